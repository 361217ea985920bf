import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { readSecondStep } from '@/lib/factors/second-step'
import { enrolmentInProgress } from '@/lib/factors/totp'
import { qrCodeDataUrl, totpIssuer } from '@/lib/factors/qr'
import { problemPath } from '@/lib/login/problems'
import { servedAtToken } from '@/lib/login/served-at'
import { waitMinutes } from '@/lib/auth/throttle'
import { Heading } from '../../ui'
import { Card } from '../../card'
import { TotpSetup } from '../../totp-setup'
import { loginPath, loginRequestFrom } from '../params'
import { CodeForm } from '../../code-form'
import { loginSecondStepAction } from '../second-step-actions'
import { Hidden } from '../hidden'
import { CancelForm } from '../request-forms'
import { ContinueForm } from '../continue-form'
import { codeFormWords } from '../words'

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('login.enrol'))('title') }
}

/**
 * A second factor is required and this person has none: they set up an authenticator app before
 * anything is sent to Scalekit, within the login request's lifetime.
 */
export default async function EnrolPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = await searchParams
  const parsed = loginRequestFrom(query.login_request_id, query.state, query.server)
  if (!parsed.ok) redirect(problemPath(parsed.problem))
  const { params } = parsed
  const step = await readSecondStep()
  if (!step || step.need !== 'enrol' || step.loginRequestId !== params.loginRequestId) redirect(loginPath(params))
  const env = getEnv()
  const user = { id: step.userId, email: step.email }
  const issuer = totpIssuer(env.APP_URL)
  const db = await getDb().catch(() => redirect(problemPath('database_unavailable', params)))
  const enrolment = await enrolmentInProgress(db, env.AUTH_SECRET, user, issuer)
  const t = await getTranslations('login')
  return (
    <Card>
      <Heading>{t('enrol.title')}</Heading>
      <p data-testid="enrol-intro" className="mt-2 text-sm leading-6 text-slate-600">
        {t('enrol.intro', { minutes: waitMinutes(env.LOGIN_REQUEST_TTL_SECONDS * 1000) })}
      </p>
      {/* No enrolment left to show: it was confirmed (this page refreshes when the session is made). */}
      {enrolment ? <TotpSetup enrolment={enrolment} qr={await qrCodeDataUrl(enrolment.uri)} /> : null}
      <CodeForm
        action={loginSecondStepAction}
        need="enrol"
        words={await codeFormWords('enrol')}
        done={!enrolment}
        fields={<Hidden {...params} />}
        next={<ContinueForm params={params} served={servedAtToken(env.SESSION_SECRET, params.loginRequestId)} label={t('continue')} />}
      />
      <CancelForm params={params} />
    </Card>
  )
}
