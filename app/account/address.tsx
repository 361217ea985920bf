import { getTranslations } from 'next-intl/server'
import { getEnv } from '@/lib/env'
import type { AccountHolder } from '@/lib/factors/account'
import { buttonSecondary } from '../ui'
import { sendVerificationAction } from './address-actions'

/** The person's address: verified, or a button that sends a link to verify it (security.md case 53). */
export async function AddressSection({ holder, asked }: { holder: AccountHolder; asked: unknown }) {
  const t = await getTranslations('addresses.account')
  const { user } = holder
  const verified = user.email_verified === 1
  return (
    <section id="address" className="mt-8" aria-labelledby="address-heading">
      <h2 id="address-heading" className="text-base font-semibold text-slate-900">
        {t('heading')}
      </h2>
      <p data-testid="address-status" className="mt-1 text-sm text-slate-700">
        {verified ? t('verified', { email: user.email }) : getEnv().mail ? t('unverified', { email: user.email }) : t('mailOff')}
      </p>
      {asked === 'sent' && !verified ? (
        <p data-testid="address-sent" aria-live="polite" className="mt-2 text-sm text-emerald-800">
          {t('sent', { email: user.email })}
        </p>
      ) : null}
      {asked === 'wait' && !verified ? (
        <p data-testid="address-sent" aria-live="polite" className="mt-2 text-sm text-amber-900">
          {t('wait')}
        </p>
      ) : null}
      {!verified && getEnv().mail ? (
        <form action={sendVerificationAction} className="mt-3">
          <button type="submit" className={buttonSecondary}>
            {t('send')}
          </button>
        </form>
      ) : null}
    </section>
  )
}
