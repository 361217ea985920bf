import 'server-only'
import { sql, type Kysely } from 'kysely'
import type { AuditDeliveryStatus, Database } from '../../db/schema'
import { writeAudit, type Actor } from '../../admin/audit'

// The stream's health as the admin area and the metrics read it, and the redeliver action.

type Db = Kysely<Database>

/** Pending deliveries per receiver (the metrics' outbox backlog gauge). */
export async function outboxBacklog(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('audit_deliveries')
    .select(['receiver', sql<number>`count(*)`.as('n')])
    .where('status', '=', 'pending')
    .groupBy('receiver')
    .execute()
  return Object.fromEntries(rows.map((row) => [row.receiver, Number(row.n)]))
}

export interface ReceiverHealth {
  name: string
  pending: number
  failed: number
  delivered: number
  lastDeliveredAt: number | null
  /** The oldest pending event's time: how far behind the receiver is. */
  oldestPendingAt: number | null
}

export async function receiverHealth(db: Db, names: string[]): Promise<ReceiverHealth[]> {
  const rows = await db
    .selectFrom('audit_deliveries')
    .select([
      'receiver',
      'status',
      sql<number>`count(*)`.as('n'),
      sql<number | null>`max(delivered_at)`.as('last'),
      sql<number | null>`min(created_at)`.as('oldest'),
    ])
    .groupBy(['receiver', 'status'])
    .execute()
  const known = [...new Set([...names, ...rows.map((row) => row.receiver)])]
  return known.map((name) => {
    const of = (status: AuditDeliveryStatus) => rows.find((row) => row.receiver === name && row.status === status)
    return {
      name,
      pending: Number(of('pending')?.n ?? 0),
      failed: Number(of('failed')?.n ?? 0),
      delivered: Number(of('delivered')?.n ?? 0),
      lastDeliveredAt: of('delivered')?.last == null ? null : Number(of('delivered')!.last),
      oldestPendingAt: of('pending')?.oldest == null ? null : Number(of('pending')!.oldest),
    }
  })
}

export interface FailedDelivery {
  receiver: string
  eventSeq: number
  eventId: string
  type: string
  createdAt: number
  attempts: number
  lastStatus: number | null
  lastError: string | null
}

/** The newest failed deliveries (kept until redelivered). */
export async function listFailedDeliveries(db: Db, limit = 50): Promise<FailedDelivery[]> {
  const rows = await db
    .selectFrom('audit_deliveries as d')
    .innerJoin('audit_events as e', 'e.seq', 'd.event_seq')
    .select(['d.receiver', 'd.event_seq', 'e.id', 'e.type', 'd.created_at', 'd.attempts', 'd.last_status', 'd.last_error'])
    .where('d.status', '=', 'failed')
    .orderBy('d.event_seq', 'desc')
    .limit(limit)
    .execute()
  return rows.map((row) => ({
    receiver: row.receiver,
    eventSeq: Number(row.event_seq),
    eventId: row.id,
    type: row.type,
    createdAt: Number(row.created_at),
    attempts: Number(row.attempts),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
  }))
}

/**
 * Makes a failed delivery pending again, due now, with a fresh retry period (its created_at moves
 * to now; attempts are kept), and writes the admin action in the same transaction. False when it
 * is not (or no longer) failed.
 */
export async function redeliver(db: Db, by: Actor, target: { receiver: string; eventId: string }, now = Date.now()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const event = await trx.selectFrom('audit_events').select('seq').where('id', '=', target.eventId).executeTakeFirst()
    if (!event) return false
    const updated = await trx
      .updateTable('audit_deliveries')
      .set({ status: 'pending', next_attempt_at: now, created_at: now, lease_owner: null, lease_until: null })
      .where('receiver', '=', target.receiver)
      .where('event_seq', '=', Number(event.seq))
      .where('status', '=', 'failed')
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) !== 1) return false
    await writeAudit(trx, by, {
      action: 'audit.redeliver',
      target: null,
      detail: { receiver: target.receiver, event: target.eventId },
      at: now,
    })
    return true
  })
}
