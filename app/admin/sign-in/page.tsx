import type { Metadata } from 'next'
import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { ADMIN_SIGN_IN_PATH, checkAdmin } from '@/lib/admin/access'
import { getEnv } from '@/lib/env'
import { sameOriginRedirect } from '@/lib/auth/redirects'
import { checkAppSession } from '@/lib/sources/session'
import { Heading, buttonSecondary } from '../../ui'
import { Card } from '../../card'
import { adminIdpSignInAction } from '../actions'
import { AdminSignInForm } from './form'
import { AdminAppSessionChoice } from './app-session'

export const metadata: Metadata = { title: 'Admin sign-in' }

export default async function AdminSignInPage() {
  const check = await checkAdmin()
  if (check.ok) redirect('/admin')
  const { sources, APP_URL } = getEnv()
  const cookieHeader = (await headers()).get('cookie')
  // Every source can sign an administrator in; the company app is asked about this browser now.
  const appSessions = await Promise.all(
    sources.flatMap((source) =>
      source.type === 'session' ? [checkAppSession(source, cookieHeader).then((appSession) => ({ source, appSession }))] : [],
    ),
  )
  const credentials = sources.find((source) => source.type === 'local' || source.type === 'http')
  const idps = sources.filter((source) => source.type === 'oidc')
  const returnTo = sameOriginRedirect(ADMIN_SIGN_IN_PATH, APP_URL)

  return (
    <Card>
      <Heading>Admin sign-in</Heading>
      <p className="mt-2 text-sm leading-6 text-slate-600">
        Review the federated logins of this sign-in service. Administrators are the people in ADMIN_EMAILS and local users added with
        --admin.
      </p>
      <div className="mt-6 space-y-3">
        {appSessions.map(({ source, appSession }) => (
          <AdminAppSessionChoice key={source.id} source={source} check={appSession} returnTo={returnTo} />
        ))}
        {idps.map((source) => (
          <form key={source.id} action={adminIdpSignInAction}>
            <input type="hidden" name="source" value={source.id} />
            <button type="submit" className={buttonSecondary}>
              Sign in with {source.name}
            </button>
          </form>
        ))}
        {credentials ? (
          <>
            {appSessions.length > 0 || idps.length > 0 ? (
              <p className="pt-2 text-center text-xs uppercase tracking-wide text-slate-500">or with your email and password</p>
            ) : null}
            <AdminSignInForm source={credentials.id} />
          </>
        ) : null}
      </div>
    </Card>
  )
}
