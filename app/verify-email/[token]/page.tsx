import type { Metadata } from 'next'
import { getTranslations } from 'next-intl/server'
import { redirect } from 'next/navigation'
import { getDb } from '@/lib/db/client'
import { emailLinkProblemPath } from '@/lib/mail/link-problems'
import { findEmailToken } from '@/lib/mail/tokens'
import { findUserById } from '@/lib/users/directory'
import { Heading } from '../../ui'
import { Card } from '../../card'
import { EmailLinkForm } from '../../email-link-form'
import { verifyEmailAction } from './actions'

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations('addresses')
  return { title: t('title'), robots: { index: false } }
}

/** /verify-email/{token}: the address is verified by the button, not by opening the link (security.md case 53). */
export default async function VerifyEmailPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params
  const db = await getDb()
  const link = await findEmailToken(db, 'verify_email', token)
  if (!link.ok) redirect(emailLinkProblemPath('/verify-email', link.problem))
  const user = await findUserById(db, link.userId)
  if (!user || user.disabled) redirect(emailLinkProblemPath('/verify-email', 'unknown'))
  if (user.email !== link.subject) redirect(emailLinkProblemPath('/verify-email', 'changed'))
  const t = await getTranslations('addresses')
  return (
    <Card>
      <Heading>{t('heading')}</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">
        {t.rich('intro', { email: user.email, strong: (chunks) => <strong data-testid="verified-email">{chunks}</strong> })}
      </p>
      <EmailLinkForm action={verifyEmailAction} token={token} submit={t('submit', { email: user.email })} />
    </Card>
  )
}
