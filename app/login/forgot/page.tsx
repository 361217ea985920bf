import type { Metadata } from 'next'
import { getTranslations } from 'next-intl/server'
import { getEnv } from '@/lib/env'
import { Heading } from '../../ui'
import { Card } from '../../card'
import { loginPath, loginRequestFrom } from '../params'
import { ForgotPasswordForm } from './form'

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('reset'))('title'), robots: { index: false } }
}

type Query = Record<string, string | string[] | undefined>

/**
 * /login/forgot: one email field; the login request it came from (if any) rides along so the person
 * can return to it. With email off, only where to turn instead.
 */
export default async function ForgotPasswordPage({ searchParams }: { searchParams: Promise<Query> }) {
  const query = await searchParams
  const parsed = loginRequestFrom(query.login_request_id, query.state, query.server)
  const login = parsed.ok ? parsed.params : undefined
  const t = await getTranslations('reset.forgot')
  const back = login ? (
    <a href={loginPath(login)} className="mt-6 inline-block text-sm font-medium text-slate-700 underline underline-offset-4">
      {t('back')}
    </a>
  ) : null
  if (!getEnv().mail) {
    return (
      <Card>
        <Heading>{t('heading')}</Heading>
        <p data-testid="reset-off" className="mt-3 text-sm leading-6 text-slate-700">
          {t('off')}
        </p>
        {back}
      </Card>
    )
  }
  return (
    <Card>
      <Heading>{t('heading')}</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">{t('intro')}</p>
      <ForgotPasswordForm login={login} words={{ email: t('email'), submit: t('submit'), back: t('back') }} />
    </Card>
  )
}
