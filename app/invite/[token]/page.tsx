import type { Metadata } from 'next'
import { getTranslations } from 'next-intl/server'
import { redirect } from 'next/navigation'
import { getDb } from '@/lib/db/client'
import { invitationProblemPath } from '@/lib/users/invitation-problems'
import { findInvitation } from '@/lib/users/invitations'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@/lib/users/passwords'
import { Heading } from '../../ui'
import { Card } from '../../card'
import { NewPasswordForm } from '../../new-password-form'
import { setPasswordAction } from './actions'

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations('invite')
  return { title: t('title'), robots: { index: false } }
}

/** /invite/{token}: an invited person sets their password; a link that no longer works leads to a page saying why (410, 404). */
export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params
  const invitation = await findInvitation(await getDb(), token)
  if (!invitation.ok) redirect(invitationProblemPath(invitation.problem))
  const t = await getTranslations('invite')
  return (
    <Card>
      <Heading>{t('heading')}</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">
        {t.rich('intro', {
          email: invitation.email,
          min: PASSWORD_MIN_LENGTH,
          max: PASSWORD_MAX_LENGTH,
          strong: (chunks) => <strong data-testid="invited-email">{chunks}</strong>,
        })}
      </p>
      <NewPasswordForm
        action={setPasswordAction}
        messageId="invite-message"
        token={token}
        email={invitation.email}
        words={{ newPassword: t('newPassword'), confirmation: t('confirmation'), submit: t('submit') }}
      />
    </Card>
  )
}
