import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { getDb } from '@/lib/db/client'
import { invitationProblemPath } from '@/lib/users/invitation-problems'
import { findInvitation } from '@/lib/users/invitations'
import { Heading } from '../../ui'
import { Card } from '../../card'
import { SetPasswordForm } from './form'

export const metadata: Metadata = { title: 'Set your password', robots: { index: false } }

/** /invite/{token}: an invited person sets their password; a link that no longer works leads to a page saying why (410, 404). */
export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params
  const invitation = await findInvitation(await getDb(), token)
  if (!invitation.ok) redirect(invitationProblemPath(invitation.problem))
  return (
    <Card>
      <Heading>Set your password</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">
        You were added as <strong data-testid="invited-email">{invitation.email}</strong>. Choose a password of 8 to 128 characters; this
        link works once.
      </p>
      <SetPasswordForm token={token} email={invitation.email} />
    </Card>
  )
}
