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

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('login.verify'))('title') }
}

/** After a right password: the authenticator code (or a recovery code) that completes the login. */
export default async function VerifyPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = await searchParams
  const parsed = loginRequestFrom(query.login_request_id, query.state, query.server)
  if (!parsed.ok) redirect(problemPath(parsed.problem))
  const step = await readSecondStep()
  if (!step || step.need !== 'code' || step.loginRequestId !== parsed.params.loginRequestId) redirect(loginPath(parsed.params))
  const t = await getTranslations('login.verify')
  return (
    <Card>
      <Heading>{t('title')}</Heading>
      <p className="mt-2 text-sm leading-6 text-slate-600">{t('intro', { email: step.email })}</p>
      <CodeForm action={loginSecondStepAction} need="code" words={await codeFormWords('code')} fields={<Hidden {...parsed.params} />} />
      <CancelForm params={parsed.params} />
    </Card>
  )
}
