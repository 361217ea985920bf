import 'server-only'
import { sql, type Kysely } from 'kysely'
import type { Database, MailKind, MailRow } from '../db/schema'
import { writeAudit, type Actor } from '../admin/audit'

// The mail outbox as the admin area reads it (/admin/mail): what waits, what went, what failed, and
// "Send again" for a failed message, so nothing the mail server lost is lost for good.

type Db = Kysely<Database>

export interface MailHealth {
  pending: number
  oldestPendingAt: number | null
  sent: number
  lastSentAt: number | null
  failed: number
  dropped: number
}

export async function mailHealth(db: Db): Promise<MailHealth> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select([
      'status',
      sql<number>`count(*)`.as('n'),
      sql<number | null>`max(sent_at)`.as('last'),
      sql<number | null>`min(created_at)`.as('oldest'),
    ])
    .groupBy('status')
    .execute()
  const of = (status: MailRow['status']) => rows.find((row) => row.status === status)
  const count = (status: MailRow['status']) => Number(of(status)?.n ?? 0)
  const number = (value: number | null | undefined) => (value == null ? null : Number(value))
  return {
    pending: count('pending'),
    oldestPendingAt: number(of('pending')?.oldest),
    sent: count('sent'),
    lastSentAt: number(of('sent')?.last),
    failed: count('failed'),
    dropped: count('dropped'),
  }
}

export type FailedMail = Pick<MailRow, 'id' | 'kind' | 'to_email' | 'created_at' | 'attempts' | 'last_error'>

export function listFailedMail(db: Db, limit = 50): Promise<FailedMail[]> {
  return db
    .selectFrom('mail_outbox')
    .select(['id', 'kind', 'to_email', 'created_at', 'attempts', 'last_error'])
    .where('status', '=', 'failed')
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute()
}

/** A retry's lifetime: a reset link is worth an hour, the others a day (as when first queued). */
function lifetimeOf(kind: MailKind): number {
  return kind === 'password_reset' ? 3600_000 : 24 * 3600_000
}

/** Queues a failed message again, with its audit row, in one transaction; false when it is no longer failed. */
export async function resendMail(db: Db, by: Actor, id: string, now = Date.now()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('mail_outbox')
      .select(['kind', 'to_email'])
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst()
    if (!row) return false
    const updated = await trx
      .updateTable('mail_outbox')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, give_up_at: now + lifetimeOf(row.kind), last_error: null })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) !== 1) return false
    await writeAudit(trx, by, { action: 'mail.resend', target: row.to_email, detail: { message: id, kind: row.kind }, at: now })
    return true
  })
}
