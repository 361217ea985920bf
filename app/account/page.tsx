import type { Metadata } from 'next'
import Link from 'next/link'
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
import { NewRecoveryCodesForm } from './recovery-form'
import { PasskeysSection } from './passkeys'
import { accountSignOutAction, confirmTotpAction, removeTotpAction, startTotpAction } from './actions'

export const metadata: Metadata = { title: 'Your account' }

/** /account: a local user's passkeys, authenticator app and recovery codes. */
export default async function AccountPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const holder = await accountHolder()
  if (!holder) {
    return (
      <Card>
        <Heading>Your account</Heading>
        <p className="mt-2 text-sm text-slate-600">Sign in to manage your passkeys, authenticator app and recovery codes.</p>
        <AccountSignInForm />
      </Card>
    )
  }
  const { refused } = await searchParams
  return (
    <Card>
      <Heading>Your account</Heading>
      <p data-testid="account-email" className="mt-2 text-sm text-slate-600">
        Signed in as <span className="font-medium text-slate-900">{holder.user.email}</span>
      </p>
      {refused === 'last_factor' ? (
        <p data-testid="account-refused" className="mt-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
          A second factor is required here: add another one before you remove your last.
        </p>
      ) : null}
      <PasskeysSection holder={holder} />
      {getEnv().LOCAL_MFA === 'off' ? null : <AuthenticatorSection holder={holder} />}
      <form action={accountSignOutAction} className="mt-8">
        <button type="submit" className={buttonQuiet}>
          Sign out
        </button>
      </form>
    </Card>
  )
}

async function AuthenticatorSection({ holder }: { holder: AccountHolder }) {
  const { user, factors } = holder
  const env = getEnv()
  const pending = factors.totp ? null : await pendingTotpEnrolment(await getDb(), env.AUTH_SECRET, user, totpIssuer(env.APP_URL))
  return (
    <section id="authenticator" className="mt-8" aria-labelledby="authenticator-heading">
      <h2 id="authenticator-heading" className="text-base font-semibold text-slate-900">
        Authenticator app
      </h2>
      {factors.totp ? (
        <>
          <p data-testid="totp-status" className="mt-1 text-sm text-slate-700">
            On. {factors.recoveryCodesLeft} of 10 recovery codes left.
          </p>
          <NewRecoveryCodesForm />
          {wouldLeaveNoFactor(factors, 'totp') ? null : (
            <form action={removeTotpAction} className="mt-3">
              <button type="submit" className={buttonSecondary}>
                Turn off the authenticator app
              </button>
            </form>
          )}
        </>
      ) : pending ? (
        <>
          <TotpSetup enrolment={pending} qr={await qrCodeDataUrl(pending.uri)} />
          <CodeForm action={confirmTotpAction} need="enrol" next={<Link href="/account">Done</Link>} />
        </>
      ) : (
        <>
          <p data-testid="totp-status" className="mt-1 text-sm text-slate-700">
            Off. With it on, signing in with your password also asks for a code from an app on your phone.
          </p>
          <form action={startTotpAction} className="mt-3">
            <button type="submit" className={buttonSecondary}>
              Set up an authenticator app
            </button>
          </form>
        </>
      )}
    </section>
  )
}
