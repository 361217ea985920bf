import type { Metadata } from 'next'
import Link from 'next/link'
import { getTranslations } from 'next-intl/server'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { accountHolder, wouldLeaveNoFactor, type AccountHolder } from '@/lib/factors/account'
import { pendingTotpEnrolment } from '@/lib/factors/totp'
import { qrCodeDataUrl, totpIssuer } from '@/lib/factors/qr'
import { Heading, buttonQuiet, buttonSecondary } from '../ui'
import { Card } from '../card'
import { TotpSetup } from '../totp-setup'
import { CodeForm } from '../code-form'
import { AccountSignInForm } from './sign-in-form'
import { ForgotPasswordLink } from '../login/forgot-link'
import { NewRecoveryCodesForm } from './recovery-form'
import { PasskeysSection } from './passkeys'
import { AddressSection } from './address'
import { accountSignOutAction, confirmTotpAction, removeTotpAction, startTotpAction } from './actions'
import { codeFormWords, recoveryCodesWords, signInWords } from '../login/words'

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('account'))('title') }
}

/** /account: a local user's address, passkeys, authenticator app and recovery codes. */
export default async function AccountPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const holder = await accountHolder()
  const t = await getTranslations('account')
  if (!holder) {
    return (
      <Card>
        <Heading>{t('title')}</Heading>
        <p className="mt-2 text-sm text-slate-600">{t('signInIntro')}</p>
        <AccountSignInForm words={await signInWords()} />
        <div className="mt-4">
          <ForgotPasswordLink />
        </div>
      </Card>
    )
  }
  const { refused, verification } = await searchParams
  return (
    <Card>
      <Heading>{t('title')}</Heading>
      <p data-testid="account-email" className="mt-2 text-sm text-slate-600">
        {t.rich('signedInAs', {
          email: holder.user.email,
          strong: (chunks) => <span className="font-medium text-slate-900">{chunks}</span>,
        })}
      </p>
      {refused === 'last_factor' ? (
        <p data-testid="account-refused" className="mt-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {t('lastFactor')}
        </p>
      ) : null}
      <AddressSection holder={holder} asked={verification} />
      <PasskeysSection holder={holder} />
      {getEnv().LOCAL_MFA === 'off' ? null : <AuthenticatorSection holder={holder} />}
      <form action={accountSignOutAction} className="mt-8">
        <button type="submit" className={buttonQuiet}>
          {t('signOut')}
        </button>
      </form>
    </Card>
  )
}

async function AuthenticatorSection({ holder }: { holder: AccountHolder }) {
  const { user, factors } = holder
  const env = getEnv()
  const pending = factors.totp ? null : await pendingTotpEnrolment(await getDb(), env.AUTH_SECRET, user, totpIssuer(env.APP_URL))
  const t = await getTranslations('account.authenticator')
  return (
    <section id="authenticator" className="mt-8" aria-labelledby="authenticator-heading">
      <h2 id="authenticator-heading" className="text-base font-semibold text-slate-900">
        {t('heading')}
      </h2>
      {factors.totp ? (
        <>
          <p data-testid="totp-status" className="mt-1 text-sm text-slate-700">
            {t('on', { left: factors.recoveryCodesLeft, total: 10 })}
          </p>
          <NewRecoveryCodesForm words={{ button: t('newCodes'), recovery: await recoveryCodesWords() }} />
          {wouldLeaveNoFactor(factors, 'totp') ? null : (
            <form action={removeTotpAction} className="mt-3">
              <button type="submit" className={buttonSecondary}>
                {t('turnOff')}
              </button>
            </form>
          )}
        </>
      ) : pending ? (
        <>
          <TotpSetup enrolment={pending} qr={await qrCodeDataUrl(pending.uri)} />
          <CodeForm
            action={confirmTotpAction}
            need="enrol"
            words={await codeFormWords('enrol')}
            next={<Link href="/account">{t('done')}</Link>}
          />
        </>
      ) : (
        <>
          <p data-testid="totp-status" className="mt-1 text-sm text-slate-700">
            {t('off')}
          </p>
          <form action={startTotpAction} className="mt-3">
            <button type="submit" className={buttonSecondary}>
              {t('setUp')}
            </button>
          </form>
        </>
      )}
    </section>
  )
}
