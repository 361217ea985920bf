import type { Metadata } from 'next'
import { getTranslations } from 'next-intl/server'
import { redirect } from 'next/navigation'
import { getDb } from '@/lib/db/client'
import { findResetLink } from '@/lib/users/password-reset'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@/lib/users/passwords'
import { emailLinkProblemPath } from '@/lib/mail/link-problems'
import { Heading } from '../../../ui'
import { Card } from '../../../card'
import { NewPasswordForm } from '../../../new-password-form'
import { resetPasswordAction } from './actions'

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('reset'))('title'), robots: { index: false } }
}

/** /login/reset/{token}: choose a new password; a link that no longer works leads to a page saying why (410, 404). */
export default async function ResetPasswordPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params
  const link = await findResetLink(await getDb(), token)
  if (!link.ok) redirect(emailLinkProblemPath('/login/reset', link.problem))
  const t = await getTranslations('reset.page')
  return (
    <Card>
      <Heading>{t('heading')}</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">
        {t.rich('intro', {
          email: link.email,
          min: PASSWORD_MIN_LENGTH,
          max: PASSWORD_MAX_LENGTH,
          strong: (chunks) => <strong data-testid="reset-email">{chunks}</strong>,
        })}
      </p>
      <NewPasswordForm
        action={resetPasswordAction}
        messageId="reset-message"
        token={token}
        email={link.email}
        words={{ newPassword: t('newPassword'), confirmation: t('confirmation'), submit: t('submit') }}
      />
    </Card>
  )
}
