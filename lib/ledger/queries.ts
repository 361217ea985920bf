import 'server-only'
import { sql, type Expression, type SqlBool } from 'kysely'
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  DEFAULT_BUCKETS,
  MAX_BUCKETS,
  MAX_ID_LENGTH,
  LIST_COLUMNS,
  clampInt,
  isLedgerStatus,
  toItem,
  parseJson,
  resolveRange,
  searchText,
  filterConditions,
  listQuery,
  type Db,
  type Eb,
  type LedgerStatus,
  type LedgerFilter,
  type LedgerCursor,
  type LedgerPage,
  type LedgerExportRow,
  type LedgerEntry,
  type ListRow,
  type Range,
} from './filter'

// The admin area's reading of the ledger: one filtered, keyset-paginated list with its counts and
// timeline, one entry with its events, and a streamed export (lib/ledger/filter.ts builds the
// conditions; lib/ledger/retention.ts purges). One set of
// queries for SQLite and PostgreSQL; every one of them is served by an index (migration 0002).

function emptyCounts(): Record<LedgerStatus, number> {
  return { pending: 0, denied: 0, submitting: 0, completed: 0, failed: 0, cancelled: 0, expired: 0 }
}

type Timeline = LedgerPage['timeline']

/** Bucket i covers [from + ceil(i * span / n), from + ceil((i + 1) * span / n)); the last ends at `to`. */
function emptyTimeline(range: Range, buckets: number): Timeline {
  const start = (index: number) => range.from + Math.ceil((index * (range.to - range.from)) / buckets)
  return Array.from({ length: buckets }, (_, index) => ({
    start: start(index),
    end: index === buckets - 1 ? range.to : start(index + 1),
    completed: 0,
    failed: 0,
  }))
}

/** Stored states and the effective status each one counts as (a pending row splits on its expiry). */
function countKeys(now: number): Array<{ status: LedgerStatus; where: (eb: Eb) => Expression<SqlBool> }> {
  const stored = (status: Exclude<LedgerStatus, 'pending'>) => ({ status, where: (eb: Eb) => eb('status', '=', status) })
  return [
    stored('completed'),
    stored('failed'),
    stored('cancelled'),
    stored('submitting'),
    stored('expired'),
    { status: 'pending', where: (eb) => eb.and([eb('status', '=', 'pending'), eb('expires_at', '>', now)]) },
    { status: 'expired', where: (eb) => eb.and([eb('status', '=', 'pending'), eb('expires_at', '<=', now)]) },
  ]
}

/**
 * Counts per effective status and the completed/failed timeline. Both apply the whole filter except
 * its status: the admin filtering on "failed" still sees how the range, source and search break
 * down, and the timeline still compares completed with failed (expired stays out of it).
 */
async function countAndTimeline(db: Db, filter: LedgerFilter, range: Range, now: number, buckets: number) {
  const counts = emptyCounts()
  const timeline = emptyTimeline(range, buckets)
  const add = (status: LedgerStatus, bucket: number, n: number) => {
    counts[status] += n
    const slot = timeline[bucket]
    if (slot && status === 'completed') slot.completed += n
    if (slot && status === 'failed') slot.failed += n
  }
  // Integer arithmetic on both engines: better-sqlite3 binds a JS number as REAL.
  const int = (value: number) => sql<number>`cast(${value} as bigint)`

  if (searchText(filter.q)) {
    // A search matches few rows: group them.
    const effective = sql<string>`case when ${sql.ref('status')} = 'pending' and ${sql.ref('expires_at')} <= ${now} then 'expired' else ${sql.ref('status')} end`
    // created_at - from is never negative inside the range, so integer division is floor.
    const bucket = sql<number>`(${sql.ref('created_at')} - ${int(range.from)}) * ${int(buckets)} / ${int(range.to - range.from)}`
    const rows = await db
      .selectFrom('login_requests')
      .select((eb) => [effective.as('effective_status'), bucket.as('bucket'), eb.fn.countAll<number | string>().as('n')])
      .where((eb) => eb.and(filterConditions(eb, filter, range, now, false)))
      // By output name: the same expression twice would be two different parameters to PostgreSQL.
      .groupBy(['effective_status', 'bucket'])
      .execute()
    for (const row of rows) if (isLedgerStatus(row.effective_status)) add(row.effective_status, Number(row.bucket), Number(row.n))
    return { counts, timeline }
  }

  // A range holds up to millions of rows. Grouping them costs a sort or a hash of every row; one
  // index range count per bucket and stored state, on (status, created_at, expires_at) or its
  // identity-source twin, reads only index entries and is several times faster on both engines.
  const keys = countKeys(now)
  const subqueries = keys.map((key, index) => {
    const count = db
      .selectFrom('login_requests')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where((eb) =>
        eb.and([
          key.where(eb),
          eb('created_at', '>=', sql.ref<number>('b.s')),
          eb('created_at', '<', sql.ref<number>('b.e')),
          ...(filter.source ? [eb('identity_source', '=', filter.source)] : []),
        ]),
      )
    return sql`(${count}) as ${sql.ref(`c${index}`)}`
  })
  const bounds = sql.join(timeline.map((slot, index) => sql`(${sql.lit(index)}, ${int(slot.start)}, ${int(slot.end)})`))
  const result = await sql<Record<string, number | string>>`
    with b(i, s, e) as (values ${bounds})
    select b.i as i, ${sql.join(subqueries)} from b`.execute(db)
  for (const row of result.rows) {
    keys.forEach((key, index) => add(key.status, Number(row.i), Number(row[`c${index}`] ?? 0)))
  }
  return { counts, timeline }
}

export async function loadLedgerPage(
  db: Db,
  filter: LedgerFilter,
  options: { after?: LedgerCursor | null; limit?: number; now?: number; buckets?: number } = {},
): Promise<LedgerPage> {
  const now = options.now ?? Date.now()
  const limit = clampInt(options.limit, DEFAULT_LIMIT, 1, MAX_LIMIT)
  const buckets = clampInt(options.buckets, DEFAULT_BUCKETS, 1, MAX_BUCKETS)
  const range = resolveRange(filter, now)
  if (range.to <= range.from) return { items: [], next: null, counts: emptyCounts(), timeline: [] }

  const [rows, summary] = await Promise.all([
    listQuery(db, filter, range, now, options.after ?? null, limit + 1).execute(),
    countAndTimeline(db, filter, range, now, buckets),
  ])
  const items = rows.slice(0, limit).map((row) => toItem(row, now))
  const last = items[items.length - 1]
  return {
    items,
    next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
    counts: summary.counts,
    timeline: summary.timeline,
  }
}

/** The identity sources that appear in the ledger, for the filter's select. */
export async function listLedgerSources(db: Db): Promise<string[]> {
  // A loose index scan: one index seek per distinct value instead of reading every row.
  const result = await sql<{ source: string | null }>`
    with recursive sources(source) as (
      select min(identity_source) from login_requests
      union all
      select (select min(identity_source) from login_requests where identity_source > sources.source)
      from sources where sources.source is not null
    )
    select source from sources where source is not null`.execute(db)
  return result.rows.map((row) => row.source).filter((source): source is string => source !== null)
}

export async function getLedgerEntry(db: Db, id: string, now = Date.now()): Promise<LedgerEntry | null> {
  if (!id || id.length > MAX_ID_LENGTH) return null
  const [row, events] = await Promise.all([
    db
      .selectFrom('login_requests')
      .select([...LIST_COLUMNS, 'claims'])
      .where('id', '=', id)
      .executeTakeFirst(),
    db.selectFrom('login_events').select(['at', 'type', 'detail']).where('login_request_id', '=', id).orderBy('at').orderBy('id').execute(),
  ])
  if (!row) return null
  return {
    item: toItem(row, now),
    claims: parseJson(row.claims),
    events: events.map((event) => ({ at: event.at, type: event.type, detail: parseJson(event.detail) })),
  }
}

/**
 * Every row of the filter, newest first, one keyset batch at a time: memory holds a batch, never
 * the result. `now` is fixed at the start, so the range and the effective statuses stay one view.
 */
export async function* exportLedger(
  db: Db,
  filter: LedgerFilter,
  options: { now?: number; batchSize?: number } = {},
): AsyncGenerator<LedgerExportRow, void, undefined> {
  const now = options.now ?? Date.now()
  const batchSize = clampInt(options.batchSize, 1000, 1, 10_000)
  const range = resolveRange(filter, now)
  if (range.to <= range.from) return
  let after: LedgerCursor | null = null
  for (;;) {
    const rows: Array<ListRow & { claims: string | null }> = await listQuery(db, filter, range, now, after, batchSize)
      .select('claims')
      .execute()
    for (const row of rows) yield Object.assign(toItem(row, now), { claims: parseJson(row.claims) })
    const last = rows[rows.length - 1]
    if (rows.length < batchSize || !last) return
    after = { createdAt: last.created_at, id: last.id }
  }
}
