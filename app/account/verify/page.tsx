import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { readSecondStep } from '@/lib/factors/second-step'
import { Heading } from '../../ui'
import { Card } from '../../card'
import { CodeForm } from '../../code-form'
import { accountSecondStepAction } from '../actions'
import { codeFormWords } from '../../login/words'

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('account.verify'))('title') }
}

/** The code after the password, for a sign-in at /account or the admin area. */
export default async function AccountVerifyPage() {
  const step = await readSecondStep()
  if (!step || step.need !== 'code' || step.loginRequestId) redirect('/account')
  const t = await getTranslations('account.verify')
  return (
    <Card>
      <Heading>{t('title')}</Heading>
      <p className="mt-2 text-sm leading-6 text-slate-600">{t('intro', { email: step.email })}</p>
      <CodeForm action={accountSecondStepAction} need="code" words={await codeFormWords('code')} />
    </Card>
  )
}
