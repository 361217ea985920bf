import type { Metadata } from 'next'
import Link from 'next/link'
import { getTranslations } from 'next-intl/server'
import { redirect } from 'next/navigation'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { readSecondStep } from '@/lib/factors/second-step'
import { enrolmentInProgress } from '@/lib/factors/totp'
import { qrCodeDataUrl, totpIssuer } from '@/lib/factors/qr'
import { Heading } from '../../ui'
import { Card } from '../../card'
import { TotpSetup } from '../../totp-setup'
import { CodeForm } from '../../code-form'
import { accountSecondStepAction } from '../actions'
import { codeFormWords } from '../../login/words'

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('account.enrol'))('title') }
}

/** A second factor is required and this person has none: they set one up before any session exists. */
export default async function AccountEnrolPage() {
  const step = await readSecondStep()
  if (!step || step.need !== 'enrol' || step.loginRequestId) redirect('/account')
  const env = getEnv()
  const user = { id: step.userId, email: step.email }
  const issuer = totpIssuer(env.APP_URL)
  const db = await getDb()
  const enrolment = await enrolmentInProgress(db, env.AUTH_SECRET, user, issuer)
  const next = step.purpose === 'admin' ? '/admin' : '/account'
  const t = await getTranslations('account.enrol')
  return (
    <Card>
      <Heading>{t('title')}</Heading>
      <p className="mt-2 text-sm leading-6 text-slate-600">{t('intro')}</p>
      {/* No enrolment left to show: it was confirmed (this page refreshes when the session is made). */}
      {enrolment ? <TotpSetup enrolment={enrolment} qr={await qrCodeDataUrl(enrolment.uri)} /> : null}
      <CodeForm
        action={accountSecondStepAction}
        need="enrol"
        words={await codeFormWords('enrol')}
        done={!enrolment}
        next={<Link href={next}>{t('continue')}</Link>}
      />
    </Card>
  )
}
