import 'server-only'
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database, MailKind, MailRow } from '../db/schema'

// The mail outbox: a request that should send a message only writes a row here (one insert, in its
// own transaction or the caller's), and the worker (lib/mail/worker.ts) sends it later, outside
// any request, so a slow or failing SMTP server never slows or breaks a login. A row names who and
// what, never a secret; a message with a link gets its token when the worker sends it.

type Db = Kysely<Database>

export interface MailRequest {
  kind: MailKind
  toEmail: string
  userId?: string | null
  locale: string
  params?: Record<string, string | number | boolean | null>
  /** How long the message is worth sending; after that, one still unsent is marked failed. */
  lifetimeMs: number
  now?: number
}

export async function enqueueMail(db: Db, request: MailRequest): Promise<string> {
  const now = request.now ?? Date.now()
  const id = randomUUID()
  await db
    .insertInto('mail_outbox')
    .values({
      id,
      kind: request.kind,
      to_email: request.toEmail.trim().toLowerCase(),
      user_id: request.userId ?? null,
      locale: request.locale,
      params: JSON.stringify(request.params ?? {}),
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      give_up_at: now + request.lifetimeMs,
      lease_owner: null,
      lease_until: null,
      last_error: null,
      created_at: now,
      sent_at: null,
    })
    .execute()
  return id
}

/**
 * Leases up to `limit` due messages for `owner` until `now + leaseMs`. One conditional update
 * takes them (status, due and lease are checked again on each row as it is written), so two
 * workers on any number of instances never hold the same message.
 */
export async function claimMail(db: Db, input: { owner: string; now: number; leaseMs: number; limit: number }): Promise<MailRow[]> {
  const { owner, now, leaseMs, limit } = input
  const due = db
    .selectFrom('mail_outbox')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    // Past its lifetime, a message is no longer sent (failExpiredMail marks it failed).
    .where('give_up_at', '>', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit)
  const leaseUntil = now + leaseMs
  await db
    .updateTable('mail_outbox')
    .set({ lease_owner: owner, lease_until: leaseUntil })
    .where('id', 'in', due)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .execute()
  return db.selectFrom('mail_outbox').selectAll().where('lease_owner', '=', owner).where('lease_until', '=', leaseUntil).execute()
}

/**
 * Holds the lease on one message for `leaseMs` from `now`, if this worker still holds it: called
 * just before the message is written and sent, so its lease runs from the send, not from the
 * claim, and a message whose lease ran out (another worker may have it) is not sent twice.
 */
export async function renewMailLease(db: Db, id: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
  const renewed = await db
    .updateTable('mail_outbox')
    .set({ lease_until: now + leaseMs })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('lease_owner', '=', owner)
    .where('lease_until', '>', now)
    .executeTakeFirst()
  return Number(renewed.numUpdatedRows) === 1
}

/** Marks failed the messages still waiting past their lifetime (a worker was down or the server refused for that long); answers how many. */
export async function failExpiredMail(db: Db, now: number): Promise<number> {
  const failed = await db
    .updateTable('mail_outbox')
    .set({ status: 'failed', last_error: 'not sent within its lifetime' })
    .where('status', '=', 'pending')
    .where('give_up_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirst()
  return Number(failed.numUpdatedRows)
}

export type MailOutcome =
  { outcome: 'sent' } | { outcome: 'dropped'; reason: string } | { outcome: 'retry'; error: string } | { outcome: 'failed'; error: string }

/** Records one attempt's result, if this worker still holds the lease. Answers the row's new status. */
export async function settleMail(
  db: Db,
  row: MailRow,
  owner: string,
  result: MailOutcome,
  policy: { baseMs: number; maxMs: number },
  now: number,
): Promise<MailRow['status'] | null> {
  const attempts = row.attempts + 1
  let set: Partial<MailRow>
  if (result.outcome === 'sent') set = { status: 'sent', sent_at: now, last_error: null }
  // Nothing was sent: the address asked for (perhaps nobody's) is not kept.
  else if (result.outcome === 'dropped') set = { status: 'dropped', last_error: result.reason, to_email: '' }
  else if (result.outcome === 'failed') set = { status: 'failed', last_error: result.error }
  else {
    const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(20, attempts - 1))
    const next = now + delay
    set = next > row.give_up_at ? { status: 'failed', last_error: result.error } : { next_attempt_at: next, last_error: result.error }
  }
  const updated = await db
    .updateTable('mail_outbox')
    .set({ ...set, attempts, lease_owner: null, lease_until: null })
    .where('id', '=', row.id)
    .where('lease_owner', '=', owner)
    .executeTakeFirst()
  return Number(updated.numUpdatedRows) === 1 ? (set.status ?? 'pending') : null
}

/** Gives back leases this worker holds but did not use (at shutdown). */
export async function releaseMailLeases(db: Db, owner: string): Promise<void> {
  await db.updateTable('mail_outbox').set({ lease_owner: null, lease_until: null }).where('lease_owner', '=', owner).execute()
}
