import type { TotpEnrolment } from '@/lib/factors/totp'

// The QR code and the key as text of a new authenticator, on /account and at a login's enrolment.

export function TotpSetup({ enrolment, qr }: { enrolment: TotpEnrolment; qr: string }) {
  return (
    <div className="mt-4 space-y-3">
      <p className="text-sm text-slate-700">
        Scan this code with your authenticator app (such as 1Password, Google Authenticator or Authy).
      </p>
      {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL made on the server, nothing to optimise */}
      <img src={qr} alt="QR code to add this account to an authenticator app" width={180} height={180} data-testid="totp-qr" />
      <p className="text-sm text-slate-700">
        Or type this key into the app:{' '}
        <code data-testid="totp-key" className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-sm text-slate-900">
          {enrolment.keyText}
        </code>
      </p>
    </div>
  )
}
