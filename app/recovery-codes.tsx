// Recovery codes, shown once: on /account after enrolment or a new set, and at a login's enrolment.
// A client form's child: its words come as props (see app/login/words.ts).

export interface RecoveryCodesWords {
  heading: string
  intro: string
}

export function RecoveryCodes({ codes, words }: { codes: string[]; words: RecoveryCodesWords }) {
  return (
    <div className="rounded-lg border border-amber-300 bg-amber-50 p-4">
      <h2 className="text-sm font-semibold text-amber-900">{words.heading}</h2>
      <p className="mt-1 text-sm text-amber-900">{words.intro}</p>
      <ul data-testid="recovery-codes" className="mt-3 grid grid-cols-2 gap-2 font-mono text-sm text-slate-900">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
    </div>
  )
}
