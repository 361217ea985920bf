import 'server-only'
import { PostgresAdapter, sql } from 'kysely'
import { countAndTimeline, emptyCounts, emptyServerCounts } from './counts'
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  DEFAULT_BUCKETS,
  MAX_BUCKETS,
  MAX_ID_LENGTH,
  LIST_COLUMNS,
  clampInt,
  toItem,
  parseJson,
  resolveRange,
  listQuery,
  orderedQuery,
  type Db,
  type LedgerFilter,
  type LedgerCursor,
  type LedgerPage,
  type LedgerSplit,
  type LedgerExportRow,
  type LedgerEntry,
  type ListRow,
  type Range,
} from './filter'

// The admin area's reading of the ledger: one filtered, keyset-paginated list with its counts and
// timeline (lib/ledger/counts.ts), one entry with its events, and a streamed export
// (lib/ledger/filter.ts builds the conditions; lib/ledger/retention.ts purges). One set of queries
// for SQLite and PostgreSQL; every one of them is served by an index (migrations 0002 and 0004).

interface LedgerPageOptions {
  after?: LedgerCursor | null
  limit?: number
  now?: number
  buckets?: number
  /** The server keys to count (the configured servers); none: no counts per server. */
  servers?: readonly string[]
  /** `server`: each bucket of the timeline also counts the logins per server of `servers`. */
  split?: LedgerSplit
}

export async function loadLedgerPage(db: Db, filter: LedgerFilter, options: LedgerPageOptions = {}): Promise<LedgerPage> {
  const now = options.now ?? Date.now()
  const limit = clampInt(options.limit, DEFAULT_LIMIT, 1, MAX_LIMIT)
  const buckets = clampInt(options.buckets, DEFAULT_BUCKETS, 1, MAX_BUCKETS)
  const servers = options.servers ?? []
  const range = resolveRange(filter, now)
  if (range.to <= range.from)
    return { items: [], next: null, counts: emptyCounts(), serverCounts: emptyServerCounts(servers), timeline: [] }

  const [rows, summary] = await Promise.all([
    listQuery(db, filter, range, now, options.after ?? null, limit + 1).execute(),
    countAndTimeline(db, filter, range, now, { buckets, servers, split: options.split ?? 'status' }),
  ])
  const items = rows.slice(0, limit).map((row) => toItem(row, now))
  const last = items[items.length - 1]
  return {
    items,
    next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
    ...summary,
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

/** Exports reading a PostgreSQL cursor at once in this process, each holding a pooled connection until it ends. */
export const MAX_CURSOR_EXPORTS = 2
let cursorExports = 0

type ExportSourceRow = ListRow & { claims: string | null }

/**
 * Every row of the filter, newest first: memory holds a chunk of `batchSize` rows, never the result.
 * On PostgreSQL one server-side cursor, one snapshot, holding its connection until the last row,
 * an error or return(); on SQLite (whose one connection logins need), and on PostgreSQL while
 * MAX_CURSOR_EXPORTS others run (the pool keeps its other connections for the admin pages and the
 * logins), keyset batches that take a connection for each batch only. `now` is fixed at the start,
 * so the range and the effective statuses stay one view.
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
  const cursor = db.getExecutor().adapter instanceof PostgresAdapter && cursorExports < MAX_CURSOR_EXPORTS
  if (cursor) cursorExports += 1
  try {
    const rows = cursor
      ? orderedQuery(db, filter, range, now, null).select('claims').stream(batchSize)
      : keysetBatches(db, filter, range, now, batchSize)
    for await (const row of rows) yield Object.assign(toItem(row, now), { claims: parseJson(row.claims) })
  } finally {
    if (cursor) cursorExports -= 1
  }
}

async function* keysetBatches(db: Db, filter: LedgerFilter, range: Range, now: number, batchSize: number) {
  let after: LedgerCursor | null = null
  for (;;) {
    const rows: ExportSourceRow[] = await listQuery(db, filter, range, now, after, batchSize).select('claims').execute()
    yield* rows
    const last = rows[rows.length - 1]
    if (rows.length < batchSize || !last) return
    after = { createdAt: last.created_at, id: last.id }
  }
}
