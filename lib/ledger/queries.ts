import 'server-only'
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely'
import type { Database, LoginRequestRow } from '../db/schema'

// The admin area's reading of the ledger: one filtered, keyset-paginated list with its counts and
// timeline, one entry with its events, a streamed export and the retention purge. One set of
// queries for SQLite and PostgreSQL; every one of them is served by an index (migration 0002).

type Db = Kysely<Database>
type Eb = ExpressionBuilder<Database, 'login_requests'>

export const LEDGER_STATUSES = ['pending', 'submitting', 'completed', 'failed', 'cancelled', 'expired'] as const
export type LedgerStatus = (typeof LEDGER_STATUSES)[number]

/** `from` inclusive, `to` exclusive, epoch ms on created_at. Without either: the last 7 days. */
export interface LedgerFilter {
  status?: LedgerStatus
  source?: string
  from?: number
  to?: number
  q?: string
}

export interface LedgerCursor {
  createdAt: number
  id: string
}

export interface LedgerListItem {
  id: string
  status: LedgerStatus
  createdAt: number
  signedInAt: number | null
  submittedAt: number | null
  finishedAt: number | null
  expiresAt: number
  identitySource: string | null
  userEmail: string | null
  userSub: string | null
  authRequestId: string | null
  errorCode: string | null
  errorMessage: string | null
  ip: string | null
  userAgent: string | null
}

export interface LedgerPage {
  items: LedgerListItem[]
  next: LedgerCursor | null
  counts: Record<LedgerStatus, number>
  timeline: Array<{ start: number; end: number; completed: number; failed: number }>
}

export type LedgerExportRow = LedgerListItem & { claims: unknown | null }

export interface LedgerEntry {
  item: LedgerListItem
  claims: unknown | null
  events: Array<{ at: number; type: string; detail: unknown | null }>
}

export const DEFAULT_RANGE_MS = 7 * 24 * 60 * 60 * 1000
const DEFAULT_LIMIT = 50
const MAX_LIMIT = 200
const DEFAULT_BUCKETS = 24
const MAX_BUCKETS = 500
const MAX_QUERY_LENGTH = 320
const MAX_ID_LENGTH = 256

const LIST_COLUMNS = [
  'id',
  'status',
  'created_at',
  'signed_in_at',
  'submitted_at',
  'finished_at',
  'expires_at',
  'identity_source',
  'user_email',
  'user_sub',
  'auth_request_id',
  'error_code',
  'error_message',
  'ip',
  'user_agent',
] as const

type ListRow = Pick<LoginRequestRow, (typeof LIST_COLUMNS)[number]>

function clampInt(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback
  return Math.min(max, Math.max(min, Math.trunc(value)))
}

function epochMs(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? Math.floor(value) : undefined
}

/** A pending request past its expiry is expired, whether or not anyone has touched it since. */
export function effectiveStatus(status: LedgerStatus, expiresAt: number, now: number): LedgerStatus {
  return status === 'pending' && expiresAt <= now ? 'expired' : status
}

function isLedgerStatus(value: string): value is LedgerStatus {
  return (LEDGER_STATUSES as readonly string[]).includes(value)
}

function toItem(row: ListRow, now: number): LedgerListItem {
  return {
    id: row.id,
    status: effectiveStatus(row.status, row.expires_at, now),
    createdAt: row.created_at,
    signedInAt: row.signed_in_at,
    submittedAt: row.submitted_at,
    finishedAt: row.finished_at,
    expiresAt: row.expires_at,
    identitySource: row.identity_source,
    userEmail: row.user_email,
    userSub: row.user_sub,
    authRequestId: row.auth_request_id,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    ip: row.ip,
    userAgent: row.user_agent,
  }
}

function parseJson(text: string | null): unknown | null {
  if (text === null) return null
  try {
    return JSON.parse(text) as unknown
  } catch {
    return null
  }
}

export function encodeCursor(cursor: LedgerCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url')
}

/** The cursor a link carried, or null for anything this module did not write. */
export function decodeCursor(value: string | null | undefined): LedgerCursor | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(value)) return null
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
    if (!Array.isArray(parsed) || parsed.length !== 2) return null
    const [createdAt, id] = parsed as [unknown, unknown]
    if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt)) return null
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return null
    return { createdAt, id }
  } catch {
    return null
  }
}

interface Range {
  from: number
  to: number
}

/** The one range the list, counts, timeline and export all show. */
function resolveRange(filter: LedgerFilter, now: number): Range {
  const to = epochMs(filter.to) ?? now
  const from = epochMs(filter.from) ?? to - DEFAULT_RANGE_MS
  return { from, to }
}

/** `%`, `_` and the escape character itself match only themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`)
}

function searchText(q: string | undefined): string | undefined {
  const text = q?.trim().slice(0, MAX_QUERY_LENGTH).trim()
  return text ? text : undefined
}

function statusCondition(eb: Eb, status: LedgerStatus, now: number): Expression<SqlBool> {
  if (status === 'pending') return eb.and([eb('status', '=', 'pending'), eb('expires_at', '>', now)])
  if (status === 'expired') {
    // An IN on status first, so both engines walk the (status, created_at, expires_at) index.
    return eb.and([eb('status', 'in', ['expired', 'pending']), eb.or([eb('status', '=', 'expired'), eb('expires_at', '<=', now)])])
  }
  return eb('status', '=', status)
}

/**
 * The rows a search can mean, each kind found through its own index. Written as a union inside an
 * IN rather than an OR: without statistics SQLite would otherwise walk the whole date range.
 */
function searchCandidates(eb: Eb, text: string, range: Range) {
  // Emails are stored lowercase; ids, authRequestIds and subjects are matched exactly as typed.
  const emailPrefix = `${escapeLike(text.toLowerCase())}%`
  return eb
    .selectFrom('login_requests')
    .select('id')
    .where('id', '=', text)
    .unionAll(eb.selectFrom('login_requests').select('id').where('auth_request_id', '=', text))
    .unionAll(eb.selectFrom('login_requests').select('id').where('user_sub', '=', text))
    .unionAll(
      eb
        .selectFrom('login_requests')
        .select('id')
        .where(sql<SqlBool>`${sql.ref('user_email')} like ${emailPrefix} escape '\\'`)
        .where('created_at', '>=', range.from)
        .where('created_at', '<', range.to),
    )
}

/** The filter as conditions; `withStatus: false` leaves the status out (for the counts). */
function filterConditions(eb: Eb, filter: LedgerFilter, range: Range, now: number, withStatus: boolean): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [eb('created_at', '>=', range.from), eb('created_at', '<', range.to)]
  if (withStatus && filter.status) conditions.push(statusCondition(eb, filter.status, now))
  if (filter.source) conditions.push(eb('identity_source', '=', filter.source))
  const text = searchText(filter.q)
  if (text) conditions.push(eb('id', 'in', searchCandidates(eb, text, range)))
  return conditions
}

/** Strictly after the cursor in (created_at desc, id desc); the first term bounds the index range. */
function afterCursor(eb: Eb, after: LedgerCursor): Expression<SqlBool> {
  return eb.and([
    eb('created_at', '<=', after.createdAt),
    eb.or([eb('created_at', '<', after.createdAt), eb('id', '<', after.id)]),
  ])
}

function listQuery(db: Db, filter: LedgerFilter, range: Range, now: number, after: LedgerCursor | null, limit: number) {
  return db
    .selectFrom('login_requests')
    .select(LIST_COLUMNS)
    .where((eb) => eb.and([...filterConditions(eb, filter, range, now, true), ...(after ? [afterCursor(eb, after)] : [])]))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
}

function emptyCounts(): Record<LedgerStatus, number> {
  return { pending: 0, submitting: 0, completed: 0, failed: 0, cancelled: 0, expired: 0 }
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
    db.selectFrom('login_requests').select([...LIST_COLUMNS, 'claims']).where('id', '=', id).executeTakeFirst(),
    db
      .selectFrom('login_events')
      .select(['at', 'type', 'detail'])
      .where('login_request_id', '=', id)
      .orderBy('at')
      .orderBy('id')
      .execute(),
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

/**
 * Retention: deletes the login requests created before `olderThan` and their events, a batch per
 * transaction so neither engine holds a long lock. Events older than the cutoff whose request was
 * never stored (a completion attempt for an unknown login request id) go too.
 */
export async function purgeLedger(
  db: Db,
  olderThan: number,
  options: { batchSize?: number } = {},
): Promise<{ loginRequests: number; events: number }> {
  const batchSize = clampInt(options.batchSize, 500, 1, 5000)
  const cutoff = Math.floor(olderThan)
  let loginRequests = 0
  let events = 0
  for (;;) {
    const ids = (
      await db.selectFrom('login_requests').select('id').where('created_at', '<', cutoff).orderBy('created_at').limit(batchSize).execute()
    ).map((row) => row.id)
    if (ids.length === 0) break
    await db.transaction().execute(async (trx) => {
      const deletedEvents = await trx.deleteFrom('login_events').where('login_request_id', 'in', ids).executeTakeFirst()
      const deletedRequests = await trx.deleteFrom('login_requests').where('id', 'in', ids).executeTakeFirst()
      events += Number(deletedEvents.numDeletedRows)
      loginRequests += Number(deletedRequests.numDeletedRows)
    })
    if (ids.length < batchSize) break
  }
  for (;;) {
    const ids = (
      await db
        .selectFrom('login_events as e')
        .select('e.id')
        .where('e.at', '<', cutoff)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('login_requests as r').select('r.id').whereRef('r.id', '=', 'e.login_request_id'))),
        )
        .limit(batchSize)
        .execute()
    ).map((row) => row.id)
    if (ids.length === 0) break
    const deleted = await db.deleteFrom('login_events').where('id', 'in', ids).executeTakeFirst()
    events += Number(deleted.numDeletedRows)
    if (ids.length < batchSize) break
  }
  return { loginRequests, events }
}
