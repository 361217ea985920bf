import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'
import { writeAudit } from '../admin/audit'
import { findUserById } from '../users/directory'
import type { MailComposer } from './compose'
import { formatMailTime } from './mail-time'
import { mailFooter, mailWords, renderMail } from './templates'
import { claimEmailToken, findEmailToken, issueEmailToken, type EmailTokenProblem } from './tokens'
import { Rollback, unlessRolledBack } from '../db/rollback'

// Verified addresses (security.md case 53): a local user's `emailVerified` claim is true only once
// they followed a link sent to that very address. The link's token is issued when the message is
// sent, bound (as its subject) to the address it went to: if the account's address changes before
// the link is used, the link does nothing.

type Db = Kysely<Database>

export const composeVerifyEmail: MailComposer = async ({ db, env, mail, row, now }) => {
  const user = row.user_id ? await findUserById(db, row.user_id) : undefined
  if (!user) return { drop: 'no such account' }
  if (user.disabled) return { drop: 'account disabled' }
  if (user.email_verified === 1) return { drop: 'already verified' }
  if (user.email !== row.to_email) return { drop: 'address changed' }
  const ttlMs = mail.verifyTtlHours * 3600_000
  const { token, expiresAt } = await issueEmailToken(db, { purpose: 'verify_email', userId: user.id, subject: user.email, ttlMs, now })
  const { locale, t } = mailWords(env, row.locale, 'addresses')
  const body = {
    subject: t('mail.subject'),
    heading: t('mail.heading'),
    paragraphs: [t('mail.intro', { email: user.email }), t('mail.expiry', { expires: formatMailTime(env, locale, expiresAt) })],
    action: { label: t('mail.button'), url: `${env.APP_URL}/verify-email/${token}` },
    after: [t('mail.notYou')],
  }
  return { send: renderMail(body, env.brand, mailFooter(env, row.locale), locale) }
}

export type VerifyResult = { ok: true; email: string } | { ok: false; problem: EmailTokenProblem | 'changed' }

/**
 * Marks the address verified with the link: the link is used up, the flag set and the audit row
 * written in one transaction, and only if the account still has the address the link was sent to.
 */
export async function verifyAddress(db: Db, token: string, ip: string | null, now = Date.now()): Promise<VerifyResult> {
  const found = await findEmailToken(db, 'verify_email', token, now)
  if (!found.ok) return found
  const user = await findUserById(db, found.userId)
  if (!user || user.disabled) return { ok: false, problem: 'unknown' }
  if (found.subject !== user.email) return { ok: false, problem: 'changed' }
  const claimed = await unlessRolledBack(
    db.transaction().execute(async (trx) => {
      if (!(await claimEmailToken(trx, 'verify_email', token, now))) return false
      const updated = await trx
        .updateTable('users')
        .set({ email_verified: 1, updated_at: now })
        .where('id', '=', user.id)
        .where('email', '=', user.email)
        .where('disabled', '=', 0)
        .executeTakeFirst()
      // The address changed (or the account was disabled) since it was read: nothing is verified.
      if (Number(updated.numUpdatedRows) !== 1) throw new Rollback()
      await writeAudit(trx, { actor: user.email, ip }, { action: 'user.verify_email', target: user.email, detail: { by: 'link' }, at: now })
      return true
    }),
    'changed' as const,
  )
  if (claimed === 'changed') return { ok: false, problem: 'changed' }
  if (claimed) return { ok: true, email: user.email }
  const after = await findEmailToken(db, 'verify_email', token, now)
  return { ok: false, problem: after.ok ? 'used' : after.problem }
}
