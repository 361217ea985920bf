import type { Metadata } from 'next'
import Link from 'next/link'
import { getFormatter, getTranslations } from 'next-intl/server'
import { redirect } from 'next/navigation'
import { getDb } from '@/lib/db/client'
import { browserSummary } from '@/lib/login/sightings'
import { emailLinkProblemPath } from '@/lib/mail/link-problems'
import { findReport } from '@/lib/mail/sign-in-alert'
import { getEnv } from '@/lib/env'
import { findServer } from '@/lib/servers'
import { Heading } from '../../ui'
import { Card } from '../../card'
import { EmailLinkForm } from '../../email-link-form'
import { reportSignInAction } from './actions'

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations('alerts')
  return { title: t('page.title'), robots: { index: false } }
}

/** /report-sign-in/{token}: the sign-in an alert named, and "This wasn't me" (security.md case 54). */
export default async function ReportSignInPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params
  const report = await findReport(await getDb(), token)
  if (!report.ok) redirect(emailLinkProblemPath('/report-sign-in', report.problem))
  const [t, format] = await Promise.all([getTranslations('alerts.page'), getFormatter()])
  const { signIn } = report
  const server = signIn && getEnv().multiServer ? (findServer(signIn.serverKey)?.name ?? null) : null
  return (
    <Card>
      <Heading>{t('title')}</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">{t('intro', { email: report.email })}</p>
      {signIn ? (
        <ul data-testid="reported-sign-in" className="mt-4 space-y-1 text-sm text-slate-800">
          {server ? <li>{t('server', { server })}</li> : null}
          <li>{t('when', { when: format.dateTime(signIn.at, { dateStyle: 'long', timeStyle: 'short' }) })}</li>
          <li>{t('address', { ip: signIn.ip ?? '?' })}</li>
          <li>{t('browser', { browser: browserSummary(signIn.userAgent) })}</li>
        </ul>
      ) : null}
      <p className="mt-4 text-sm leading-6 text-slate-600">{t('explain')}</p>
      <EmailLinkForm action={reportSignInAction} token={token} submit={t('submit')}>
        <p>
          <Link href="/login/forgot" className="font-medium text-slate-900 underline underline-offset-4">
            {t('reset')}
          </Link>
        </p>
      </EmailLinkForm>
    </Card>
  )
}
