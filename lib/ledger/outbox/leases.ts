import 'server-only'
import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from '../../db/schema'

// The outbox's leases, held in the database so each delivery attempt happens on one instance. A
// worker claims due deliveries for itself until `lease_until`; another worker skips them (and, on
// PostgreSQL, skips rows being claimed right now: for update skip locked; SQLite's transactions
// take the write lock when they begin, so two claims never interleave). Per receiver, an event
// waits while an earlier event of its ordering key is still pending, so a login's events arrive in
// order. A lease that outlives a crashed worker simply expires and the delivery is due again.

type Db = Kysely<Database>

export interface ClaimedDelivery {
  eventSeq: number
  receiver: string
  attempts: number
  createdAt: number
  eventId: string
  type: string
  payload: string
}

export interface ClaimOptions {
  owner: string
  receivers: string[]
  now: number
  leaseMs: number
  limit: number
}

function dueCandidates(options: ClaimOptions): RawBuilder<unknown> {
  const { receivers, now, limit } = options
  // "First in line": an event with an ordering key goes only when it is the oldest pending one of
  // its key. A scalar subquery (one index probe of the pending-only index per candidate), not an
  // anti-join: PostgreSQL plans that one badly until the table has statistics.
  return sql`select c.receiver, c.event_seq from audit_deliveries c
    where c.status = 'pending' and c.receiver in (${sql.join(receivers)})
      and c.next_attempt_at <= ${now}
      and (c.lease_until is null or c.lease_until <= ${now})
      and (c.ordering_key is null or c.event_seq = (
        select min(p.event_seq) from audit_deliveries p
        where p.receiver = c.receiver and p.ordering_key = c.ordering_key and p.status = 'pending'
      ))
    order by c.event_seq
    limit ${limit}`
}

type ClaimRow = {
  event_seq: number
  receiver: string
  attempts: number
  created_at: number
  id: string
  type: string
  payload: string
}

function toClaimed(row: ClaimRow): ClaimedDelivery {
  return {
    eventSeq: Number(row.event_seq),
    receiver: row.receiver,
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    eventId: row.id,
    type: row.type,
    payload: row.payload,
  }
}

/** Leases up to `limit` due deliveries to `owner`, oldest first. */
export async function claimDeliveries(db: Db, options: ClaimOptions): Promise<ClaimedDelivery[]> {
  if (!options.receivers.length) return []
  const until = options.now + options.leaseMs
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const result = await sql<ClaimRow>`update audit_deliveries d
      set lease_owner = ${options.owner}, lease_until = ${until}
      from audit_events e
      where e.seq = d.event_seq and (d.receiver, d.event_seq) in (${dueCandidates(options)} for update of c skip locked)
      returning d.event_seq, d.receiver, d.attempts, d.created_at, e.id, e.type, e.payload`.execute(db)
    return result.rows.map(toClaimed).sort((a, b) => a.eventSeq - b.eventSeq)
  }
  // SQLite: one UPDATE leases the batch, one SELECT reads it (this claim's lease_until is exact).
  return db.transaction().execute(async (trx) => {
    await sql`update audit_deliveries set lease_owner = ${options.owner}, lease_until = ${until}
      where (receiver, event_seq) in (${dueCandidates(options)})`.execute(trx)
    const rows = await trx
      .selectFrom('audit_deliveries as d')
      .innerJoin('audit_events as e', 'e.seq', 'd.event_seq')
      .select(['d.event_seq', 'd.receiver', 'd.attempts', 'd.created_at', 'e.id', 'e.type', 'e.payload'])
      .where('d.lease_owner', '=', options.owner)
      .where('d.lease_until', '=', until)
      .where('d.status', '=', 'pending')
      .orderBy('d.event_seq')
      .execute()
    return rows.map(toClaimed)
  })
}

export type AttemptResult =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retry'; status: number | null; error: string; nextAttemptAt: number }
  | { outcome: 'failed'; status: number | null; error: string }

/**
 * Records one attempt's result, only while `owner` still holds the lease (a lease that expired
 * mid-attempt was someone else's to take). Returns whether it was recorded.
 */
export async function settleDelivery(
  db: Db,
  delivery: { eventSeq: number; receiver: string },
  owner: string,
  result: AttemptResult,
  now: number,
): Promise<boolean> {
  const common = { lease_owner: null, lease_until: null, attempts: sql<number>`attempts + 1`, last_status: result.status }
  const set =
    result.outcome === 'delivered'
      ? { ...common, status: 'delivered' as const, delivered_at: now, last_error: null }
      : result.outcome === 'retry'
        ? { ...common, last_error: result.error.slice(0, 300), next_attempt_at: result.nextAttemptAt }
        : { ...common, status: 'failed' as const, last_error: result.error.slice(0, 300) }
  const updated = await db
    .updateTable('audit_deliveries')
    .set(set)
    .where('receiver', '=', delivery.receiver)
    .where('event_seq', '=', delivery.eventSeq)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return Number(updated.numUpdatedRows) === 1
}

/**
 * Records the successful attempts of a batch at once (one statement per HTTP status among them),
 * each only while `owner` still holds its lease. Returns the deliveries it recorded.
 */
export async function settleDelivered(
  db: Db,
  delivered: Array<{ eventSeq: number; receiver: string; status: number }>,
  owner: string,
  now: number,
): Promise<Set<string>> {
  const recorded = new Set<string>()
  for (const status of new Set(delivered.map((d) => d.status))) {
    const rows = await db
      .updateTable('audit_deliveries')
      .set({
        lease_owner: null,
        lease_until: null,
        attempts: sql<number>`attempts + 1`,
        last_status: status,
        status: 'delivered',
        delivered_at: now,
        last_error: null,
      })
      .where((eb) =>
        eb(
          eb.refTuple('receiver', 'event_seq'),
          'in',
          delivered.filter((d) => d.status === status).map((d) => eb.tuple(d.receiver, d.eventSeq)),
        ),
      )
      .where('lease_owner', '=', owner)
      .where('status', '=', 'pending')
      .returning(['receiver', 'event_seq'])
      .execute()
    for (const row of rows) recorded.add(`${row.receiver} ${Number(row.event_seq)}`)
  }
  return recorded
}

/** Gives back every lease `owner` holds (a worker stopping with claims it will not attempt). */
export async function releaseLeases(db: Db, owner: string, deliveries?: Array<{ eventSeq: number; receiver: string }>): Promise<number> {
  let query = db.updateTable('audit_deliveries').set({ lease_owner: null, lease_until: null }).where('lease_owner', '=', owner)
  if (deliveries) {
    if (!deliveries.length) return 0
    query = query.where((eb) => eb.or(deliveries.map((d) => eb.and([eb('receiver', '=', d.receiver), eb('event_seq', '=', d.eventSeq)]))))
  }
  const updated = await query.where('status', '=', 'pending').executeTakeFirst()
  return Number(updated.numUpdatedRows)
}
