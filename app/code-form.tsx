'use client'

import { useActionState } from 'react'
import { buttonPrimary, FormMessage } from './ui'
import type { CodeState } from './second-step-core'
import { RecoveryCodes, type RecoveryCodesWords } from './recovery-codes'

const initial: CodeState = { attempt: 0 }

const inputClass =
  'mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm tracking-widest shadow-xs focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

/** The form's words for its `need`, in the page's language (app/login/words.ts). */
export interface CodeFormWords {
  label: string
  submit: string
  recovery: RecoveryCodesWords
}

/**
 * The code field of a second step: an authenticator or recovery code (`code`), or the first code
 * of a new authenticator (`enrol`), after which the recovery codes and `next` are shown.
 */
export function CodeForm({
  action: submit,
  need,
  words,
  fields,
  next,
  done = false,
}: {
  action: (previous: CodeState, form: FormData) => Promise<CodeState>
  need: 'code' | 'enrol'
  words: CodeFormWords
  /** Hidden fields the action reads (the login request). */
  fields?: React.ReactNode
  next?: React.ReactNode
  /** Enrolment is confirmed already (the page was reloaded after it): only `next` is left. */
  done?: boolean
}) {
  const [result, action, pending] = useActionState(submit, initial)
  if (done && !result.recoveryCodes) return <div className="mt-6">{next}</div>
  if (result.recoveryCodes) {
    return (
      <div className="mt-6 space-y-4">
        <RecoveryCodes codes={result.recoveryCodes} words={words.recovery} />
        {next}
      </div>
    )
  }
  // The message is about the code typed (wrong, used, missing) or the wait before the next try.
  const fault = result.message ? ({ 'aria-invalid': true, 'aria-describedby': 'code-message' } as const) : {}
  return (
    <form action={action} key={result.attempt} className="mt-6 space-y-4">
      {fields}
      <input type="hidden" name="need" value={need} />
      <div>
        <label htmlFor="code" className="block text-sm font-medium text-slate-800">
          {words.label}
        </label>
        <input
          id="code"
          name="code"
          type="text"
          inputMode={need === 'enrol' ? 'numeric' : 'text'}
          autoComplete="one-time-code"
          required
          autoFocus
          className={inputClass}
          {...fault}
        />
      </div>
      <FormMessage id="code-message" message={result.message} />
      <button type="submit" className={buttonPrimary} disabled={pending}>
        {words.submit}
      </button>
    </form>
  )
}
