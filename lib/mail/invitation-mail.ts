import 'server-only'
import { findUserById, isInvited } from '../users/directory'
import { invitationPath, issueInvitation } from '../users/invitations'
import type { MailComposer } from './compose'
import { formatMailTime } from './mail-time'
import { mailFooter, mailWords, renderMail } from './templates'

// An invitation sent by email: the invitation is issued when the message is sent (ending the
// person's older ones), marked as emailed in its created_by (`mail:<admin>`), so that setting the
// password with it also verifies the address it went to (lib/users/invitations.ts).

export const composeInvitation: MailComposer = async ({ db, env, row, params, now }) => {
  const user = row.user_id ? await findUserById(db, row.user_id) : undefined
  if (!user) return { drop: 'no such account' }
  if (user.disabled) return { drop: 'account disabled' }
  if (!isInvited(user)) return { drop: 'password already set' }
  if (user.email !== row.to_email) return { drop: 'address changed' }
  const by = typeof params.by === 'string' ? params.by : 'admin'
  const ttlMs = env.INVITATION_TTL_HOURS * 3600_000
  const { token, expiresAt } = await issueInvitation(db, { userId: user.id, createdBy: `mail:${by}`, ttlMs, now })
  const { locale, t } = mailWords(env, row.locale, 'invite')
  const body = {
    subject: t('mail.subject'),
    heading: t('mail.heading'),
    paragraphs: [t('mail.intro', { by, email: user.email }), t('mail.expiry', { expires: formatMailTime(env, locale, expiresAt) })],
    action: { label: t('mail.button'), url: `${env.APP_URL}${invitationPath(token)}` },
    after: [t('mail.notYou')],
  }
  return { send: renderMail(body, env.brand, mailFooter(env, row.locale), locale) }
}
