import type { Metadata } from 'next'
import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { ADMIN_SIGN_IN_PATH, checkAdmin } from '@/lib/admin/access'
import { getEnv } from '@/lib/env'
import { sameOriginRedirect } from '@/lib/auth/redirects'
import { checkAppSession } from '@/lib/sources/session'
import { Heading, buttonSecondary } from '../../ui'
import { Card } from '../../card'
import { adminIdpSignInAction } from '../actions'
import { AdminSignInForm } from './form'
import { AdminAppSessionChoice } from './app-session'
import { signInWords } from '../../login/words'

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('login.admin'))('title') }
}

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
  const t = await getTranslations('login')

  return (
    <Card>
      <Heading>{t('admin.title')}</Heading>
      <p className="mt-2 text-sm leading-6 text-slate-600">{t('admin.intro')}</p>
      <div className="mt-6 space-y-3">
        {appSessions.map(({ source, appSession }) => (
          <AdminAppSessionChoice key={source.id} source={source} check={appSession} returnTo={returnTo} />
        ))}
        {idps.map((source) => (
          <form key={source.id} action={adminIdpSignInAction}>
            <input type="hidden" name="source" value={source.id} />
            <button type="submit" className={buttonSecondary}>
              {t('signInWith', { source: source.name })}
            </button>
          </form>
        ))}
        {credentials ? (
          <>
            {appSessions.length > 0 || idps.length > 0 ? (
              <p className="pt-2 text-center text-xs uppercase tracking-wide text-slate-500">{t('orEmailPassword')}</p>
            ) : null}
            <AdminSignInForm source={credentials.id} words={await signInWords()} />
          </>
        ) : null}
      </div>
    </Card>
  )
}
