import 'server-only'
import { findUserByEmail } from '../users/directory'
import type { MailComposer } from './compose'
import { mailFooter, mailWords, renderMail } from './templates'
import { issueEmailToken } from './tokens'

// The forgot-password message (security.md cases 51 and 52). The request that asked for it only
// wrote an outbox row naming an address; whether there is an account behind it is decided here,
// by the worker, so nothing the asker sees depends on it. The link's token is issued now, when the
// message leaves, and ends any older reset link of the same person.

export const composePasswordReset: MailComposer = async ({ db, env, mail, row, now }) => {
  const user = await findUserByEmail(db, row.to_email)
  if (!user || user.disabled) return { drop: 'no_account' }
  const { token } = await issueEmailToken(db, { purpose: 'password_reset', userId: user.id, ttlMs: mail.resetTtlMinutes * 60_000, now })
  const { locale, t } = mailWords(env, row.locale, 'reset')
  const minutes = mail.resetTtlMinutes
  return {
    send: renderMail(
      {
        subject: t('mail.subject'),
        heading: t('mail.heading'),
        paragraphs: [t('mail.intro', { email: user.email }), t('mail.lifetime', { minutes })],
        action: { label: t('mail.button'), url: `${env.APP_URL}/login/reset/${token}` },
        after: [t('mail.ignore')],
      },
      env.brand,
      mailFooter(env, row.locale),
      locale,
    ),
  }
}
