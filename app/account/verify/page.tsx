import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { readSecondStep } from '@/lib/factors/second-step'
import { Heading } from '../../ui'
import { Card } from '../../card'
import { CodeForm } from '../../code-form'
import { accountSecondStepAction } from '../actions'

export const metadata: Metadata = { title: 'Enter your code' }

/** The code after the password, for a sign-in at /account or the admin area. */
export default async function AccountVerifyPage() {
  const step = await readSecondStep()
  if (!step || step.need !== 'code' || step.loginRequestId) redirect('/account')
  return (
    <Card>
      <Heading>Enter your code</Heading>
      <p className="mt-2 text-sm leading-6 text-slate-600">
        Open your authenticator app and enter the 6-digit code it shows for {step.email}. Lost it? Enter one of your recovery codes instead.
      </p>
      <CodeForm action={accountSecondStepAction} need="code" />
    </Card>
  )
}
