'use server'

import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { writeAudit } from '@/lib/admin/audit'
import { getDb } from '@/lib/db/client'
import { isOwnPagesPost } from '@/lib/server/cross-site'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import { invitationProblemPath } from '@/lib/users/invitation-problems'
import { acceptInvitation } from '@/lib/users/invitations'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@/lib/users/passwords'
import type { NewPasswordState } from '../../new-password-form'

/**
 * Sets the invited person's password from their link: a public endpoint, so it checks the origin as
 * the login forms do, and the link again (single use, in one transaction with the password).
 */
export async function setPasswordAction(previous: NewPasswordState, form: FormData): Promise<NewPasswordState> {
  const attempt = previous.attempt + 1
  const t = await getTranslations('invite')
  const h = await headers()
  if (!isOwnPagesPost(h)) {
    return { message: t('crossSite'), attempt }
  }
  const token = form.get('token')
  const password = form.get('password')
  const confirmation = form.get('confirmation')
  if (typeof token !== 'string' || typeof password !== 'string') redirect(invitationProblemPath('unknown'))
  if (password !== confirmation) return { message: t('mismatch'), attempt }
  const ip = h.get(PEER_ADDRESS_HEADER) || null
  const result = await acceptInvitation(await getDb(), { token, password }, (trx, email, at) =>
    writeAudit(trx, { actor: email, ip }, { action: 'invitation.accepted', target: email, at }),
  )
  if (result.ok) return { done: t('done', { email: result.email }), attempt }
  if ('policy' in result) {
    // The directory's policy allows PASSWORD_MIN_LENGTH to PASSWORD_MAX_LENGTH characters.
    const tooLong = [...password].length > PASSWORD_MAX_LENGTH
    return { message: tooLong ? t('tooLong', { max: PASSWORD_MAX_LENGTH }) : t('tooShort', { min: PASSWORD_MIN_LENGTH }), attempt }
  }
  redirect(invitationProblemPath(result.problem))
}
