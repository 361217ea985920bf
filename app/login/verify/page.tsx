import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { readSecondStep } from '@/lib/factors/second-step'
import { problemPath } from '@/lib/login/problems'
import { Heading } from '../../ui'
import { Card } from '../../card'
import { loginPath, loginRequestFrom } from '../params'
import { CodeForm } from '../../code-form'
import { loginSecondStepAction } from '../second-step-actions'
import { Hidden } from '../hidden'
import { CancelForm } from '../request-forms'
import { codeFormWords } from '../words'
import { readPending } from '@/lib/login/cookie'
import { getEnv } from '@/lib/env'

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('login.verify'))('title') }
}

/** Whole minutes left of the login request this browser arrived with (it counts from the arrival), at least one. */
async function minutesLeft(loginRequestId: string): Promise<number> {
  const arrived = (await readPending())[loginRequestId]?.c ?? Date.now()
  return Math.max(1, Math.round((arrived + getEnv().LOGIN_REQUEST_TTL_SECONDS * 1000 - Date.now()) / 60_000))
}

/** After a right password: the authenticator code (or a recovery code) that completes the login. */
export default async function VerifyPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = await searchParams
  const parsed = loginRequestFrom(query.login_request_id, query.state, query.server)
  if (!parsed.ok) redirect(problemPath(parsed.problem))
  const step = await readSecondStep()
  if (!step || step.need !== 'code' || step.loginRequestId !== parsed.params.loginRequestId) redirect(loginPath(parsed.params))
  const t = await getTranslations('login.verify')
  const timeLimit = (await getTranslations('login'))('timeLimit', { minutes: await minutesLeft(parsed.params.loginRequestId) })
  return (
    <Card>
      <Heading>{t('title')}</Heading>
      <p className="mt-2 text-sm leading-6 text-slate-600">{t('intro', { email: step.email })}</p>
      <p className="mt-2 text-sm leading-6 text-slate-600" data-testid="time-limit">
        {timeLimit}
      </p>
      <CodeForm action={loginSecondStepAction} need="code" words={await codeFormWords('code')} fields={<Hidden {...parsed.params} />} />
      <CancelForm params={parsed.params} />
    </Card>
  )
}
