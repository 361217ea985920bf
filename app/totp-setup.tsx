import { getTranslations } from 'next-intl/server'
import type { TotpEnrolment } from '@/lib/factors/totp'

// The QR code and the key as text of a new authenticator, on /account and at a login's enrolment.

export async function TotpSetup({ enrolment, qr }: { enrolment: TotpEnrolment; qr: string }) {
  const t = await getTranslations('factors.totp')
  return (
    <div className="mt-4 space-y-3">
      <p className="text-sm text-slate-700">{t('scan')}</p>
      {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL made on the server, nothing to optimise */}
      <img src={qr} alt={t('qrAlt')} width={180} height={180} data-testid="totp-qr" />
      <p className="text-sm text-slate-700">
        {t.rich('key', {
          key: enrolment.keyText,
          code: (chunks) => (
            <code data-testid="totp-key" className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-sm text-slate-900">
              {chunks}
            </code>
          ),
        })}
      </p>
    </div>
  )
}
