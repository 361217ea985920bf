import 'server-only'
import { sql, type Expression, type SqlBool } from 'kysely'
import {
  LEDGER_STATUSES,
  filterConditions,
  isLedgerStatus,
  searchText,
  statusCondition,
  type Db,
  type Eb,
  type LedgerBucket,
  type LedgerFilter,
  type LedgerSplit,
  type LedgerStatus,
  type Range,
} from './filter'

// The admin list's overview: counts per effective status and per MCP server, and the timeline
// (completed against failed, or logins per server). Each breakdown applies the whole filter except
// its own dimension: the admin filtering on "failed" still sees how the range, source, server and
// search break down, and the one filtering on a server still sees the other servers.

type Where = (eb: Eb) => Expression<SqlBool>

export function emptyCounts(): Record<LedgerStatus, number> {
  return Object.fromEntries(LEDGER_STATUSES.map((status) => [status, 0])) as Record<LedgerStatus, number>
}

/** Zero for each server key asked for. */
export function emptyServerCounts(servers: readonly string[]): Record<string, number> {
  return Object.fromEntries(servers.map((key) => [key, 0]))
}

/** Bucket i covers [from + ceil(i * span / n), from + ceil((i + 1) * span / n)); the last ends at `to`. */
function emptyTimeline(range: Range, buckets: number): LedgerBucket[] {
  const start = (index: number) => range.from + Math.ceil((index * (range.to - range.from)) / buckets)
  return Array.from({ length: buckets }, (_, index) => ({
    start: start(index),
    end: index === buckets - 1 ? range.to : start(index + 1),
    completed: 0,
    failed: 0,
  }))
}

/** Stored states and the effective status each one counts as (a pending row splits on its expiry). */
function countKeys(now: number): Array<{ status: LedgerStatus; where: Where }> {
  const stored = (status: Exclude<LedgerStatus, 'pending'>) => ({ status, where: (eb: Eb) => eb('status', '=', status) })
  return [
    stored('completed'),
    stored('failed'),
    stored('cancelled'),
    stored('denied'),
    stored('submitting'),
    stored('expired'),
    { status: 'pending', where: (eb) => eb.and([eb('status', '=', 'pending'), eb('expires_at', '>', now)]) },
    { status: 'expired', where: (eb) => eb.and([eb('status', '=', 'pending'), eb('expires_at', '<=', now)]) },
  ]
}

// Integer arithmetic on both engines: better-sqlite3 binds a JS number as REAL.
const int = (value: number) => sql<number>`cast(${value} as bigint)`

/** The bucket of a row's created_at; never negative inside the range, so integer division is floor. */
function bucketOf(range: Range, buckets: number) {
  return sql<number>`(${sql.ref('created_at')} - ${int(range.from)}) * ${int(buckets)} / ${int(range.to - range.from)}`
}

/**
 * counts[bucket][key]: a range holds up to millions of rows. Grouping them costs a sort or a hash
 * of every row; one index range count per bucket and key, on (status, created_at, expires_at),
 * (server_key, created_at, id), (server_key, status, created_at, expires_at) or the identity-source
 * twins, reads only index entries and is several times faster on both engines.
 */
async function rangeCounts(db: Db, slots: Array<Pick<LedgerBucket, 'start' | 'end'>>, keys: Where[]): Promise<number[][]> {
  const subqueries = keys.map((where, index) => {
    const count = db
      .selectFrom('login_requests')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where((eb) => eb.and([where(eb), eb('created_at', '>=', sql.ref<number>('b.s')), eb('created_at', '<', sql.ref<number>('b.e'))]))
    return sql`(${count}) as ${sql.ref(`c${index}`)}`
  })
  const bounds = sql.join(slots.map((slot, index) => sql`(${sql.lit(index)}, ${int(slot.start)}, ${int(slot.end)})`))
  const result = await sql<Record<string, number | string>>`
    with b(i, s, e) as (values ${bounds})
    select b.i as i, ${sql.join(subqueries)} from b`.execute(db)
  const counts = slots.map(() => keys.map(() => 0))
  for (const row of result.rows) {
    const slot = counts[Number(row.i)]
    if (slot) keys.forEach((_, index) => (slot[index] = Number(row[`c${index}`] ?? 0)))
  }
  return counts
}

/** A search or the reported sign-ins: few rows, read through their own indexes and grouped. */
function fewRows(filter: LedgerFilter): boolean {
  return searchText(filter.q) !== undefined || filter.reported === true
}

/** Counts per effective status, and the completed/failed series of the timeline. */
async function statusCounts(db: Db, filter: LedgerFilter, range: Range, now: number, timeline: LedgerBucket[]) {
  const counts = emptyCounts()
  const add = (status: LedgerStatus, bucket: number, n: number) => {
    counts[status] += n
    const slot = timeline[bucket]
    if (slot && status === 'completed') slot.completed += n
    if (slot && status === 'failed') slot.failed += n
  }
  if (fewRows(filter)) {
    // A search, or the reported sign-ins, match few rows: group them.
    const effective = sql<string>`case when ${sql.ref('status')} = 'pending' and ${sql.ref('expires_at')} <= ${now} then 'expired' else ${sql.ref('status')} end`
    const rows = await db
      .selectFrom('login_requests')
      .select((eb) => [
        effective.as('effective_status'),
        bucketOf(range, timeline.length).as('bucket'),
        eb.fn.countAll<number | string>().as('n'),
      ])
      .where((eb) => eb.and(filterConditions(eb, filter, range, now, 'status')))
      // By output name: the same expression twice would be two different parameters to PostgreSQL.
      .groupBy(['effective_status', 'bucket'])
      .execute()
    for (const row of rows) if (isLedgerStatus(row.effective_status)) add(row.effective_status, Number(row.bucket), Number(row.n))
    return counts
  }
  const keys = countKeys(now)
  const narrow = (where: Where) => (eb: Eb) =>
    eb.and([
      where(eb),
      ...(filter.source ? [eb('identity_source', '=', filter.source)] : []),
      ...(filter.server ? [eb('server_key', '=', filter.server)] : []),
    ])
  const counted = await rangeCounts(
    db,
    timeline,
    keys.map((key) => narrow(key.where)),
  )
  counted.forEach((slot, bucket) => slot.forEach((n, index) => add(keys[index]!.status, bucket, n)))
  return counts
}

/**
 * Counts per server key asked for; with `split`, also each bucket's logins per server. Without a
 * split the whole range is one bucket: one index range count per server.
 */
async function serverCounts(
  db: Db,
  filter: LedgerFilter,
  range: Range,
  now: number,
  servers: readonly string[],
  split: LedgerBucket[] | null,
) {
  const counts = emptyServerCounts(servers)
  if (split) for (const slot of split) slot.servers = emptyServerCounts(servers)
  if (servers.length === 0) return counts
  const add = (key: string, bucket: number, n: number) => {
    if (!Object.hasOwn(counts, key)) return
    counts[key] = (counts[key] ?? 0) + n
    const slot = split?.[bucket]?.servers
    if (slot) slot[key] = (slot[key] ?? 0) + n
  }
  if (fewRows(filter)) {
    const buckets = split?.length ?? 1
    const rows = await db
      .selectFrom('login_requests')
      .select((eb) => ['server_key', bucketOf(range, buckets).as('bucket'), eb.fn.countAll<number | string>().as('n')])
      .where((eb) => eb.and([...filterConditions(eb, filter, range, now, 'server'), eb('server_key', 'in', [...servers])]))
      .groupBy(['server_key', 'bucket'])
      .execute()
    for (const row of rows) add(row.server_key, Number(row.bucket), Number(row.n))
    return counts
  }
  const narrow = (key: string) => (eb: Eb) =>
    eb.and([
      eb('server_key', '=', key),
      ...(filter.status ? [statusCondition(eb, filter.status, now)] : []),
      ...(filter.source ? [eb('identity_source', '=', filter.source)] : []),
    ])
  const counted = await rangeCounts(db, split ?? [{ start: range.from, end: range.to }], servers.map(narrow))
  counted.forEach((slot, bucket) => slot.forEach((n, index) => add(servers[index]!, bucket, n)))
  return counts
}

/** The overview of one filtered range: counts per status and per server, and the timeline. */
export async function countAndTimeline(
  db: Db,
  filter: LedgerFilter,
  range: Range,
  now: number,
  options: { buckets: number; servers: readonly string[]; split: LedgerSplit },
) {
  const timeline = emptyTimeline(range, options.buckets)
  const keys = [...new Set(options.servers)]
  const [counts, servers] = await Promise.all([
    statusCounts(db, filter, range, now, timeline),
    serverCounts(db, filter, range, now, keys, options.split === 'server' ? timeline : null),
  ])
  return { counts, serverCounts: servers, timeline }
}
