import 'server-only'
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely'
import type { Database, LoginRequestRow } from '../db/schema'

// The admin's filter over the ledger, as SQL conditions both engines serve from an index
// (migrations 0002 and 0004), and the keyset cursor of its pages.

export type Db = Kysely<Database>
export type Eb = ExpressionBuilder<Database, 'login_requests'>

export const LEDGER_STATUSES = ['pending', 'denied', 'submitting', 'completed', 'failed', 'cancelled', 'expired'] as const
export type LedgerStatus = (typeof LEDGER_STATUSES)[number]

/** What the chart splits each bucket by: completed against failed, or the MCP server. */
export const LEDGER_SPLITS = ['status', 'server'] as const
export type LedgerSplit = (typeof LEDGER_SPLITS)[number]

/** `from` inclusive, `to` exclusive, epoch ms on created_at. Without either: the last 7 days. */
export interface LedgerFilter {
  status?: LedgerStatus
  source?: string
  /** An MCP server's key (server_key). */
  server?: string
  from?: number
  to?: number
  q?: string
  /** Only the sign-ins their person reported as not theirs. */
  reported?: boolean
}

export interface LedgerCursor {
  createdAt: number
  id: string
}

export interface LedgerListItem {
  id: string
  status: LedgerStatus
  serverKey: string
  createdAt: number
  signedInAt: number | null
  submittedAt: number | null
  finishedAt: number | null
  expiresAt: number
  identitySource: string | null
  /** RFC 8176 method references of the sign-in, space-separated. */
  authMethods: string | null
  userEmail: string | null
  userSub: string | null
  authRequestId: string | null
  errorCode: string | null
  errorMessage: string | null
  ip: string | null
  userAgent: string | null
  /** When the person reported the sign-in as not theirs (the new-sign-in alert's link). */
  reportedAt: number | null
}

export interface LedgerBucket {
  start: number
  end: number
  completed: number
  failed: number
  /** Logins per server key, when the timeline is split by server. */
  servers?: Record<string, number>
}

export interface LedgerPage {
  items: LedgerListItem[]
  next: LedgerCursor | null
  counts: Record<LedgerStatus, number>
  /** Logins per server key asked for, over the whole filter except its server. */
  serverCounts: Record<string, number>
  timeline: LedgerBucket[]
}

export type LedgerExportRow = LedgerListItem & { claims: unknown | null }

export interface LedgerEntry {
  item: LedgerListItem
  claims: unknown | null
  events: Array<{ at: number; type: string; detail: unknown | null }>
}

const DEFAULT_RANGE_MS = 7 * 24 * 60 * 60 * 1000
export const DEFAULT_LIMIT = 50
export const MAX_LIMIT = 200
export const DEFAULT_BUCKETS = 24
export const MAX_BUCKETS = 500
const MAX_QUERY_LENGTH = 320
export const MAX_ID_LENGTH = 256

export const LIST_COLUMNS = [
  'id',
  'status',
  'server_key',
  'created_at',
  'signed_in_at',
  'submitted_at',
  'finished_at',
  'expires_at',
  'identity_source',
  'auth_methods',
  'user_email',
  'user_sub',
  'auth_request_id',
  'error_code',
  'error_message',
  'ip',
  'user_agent',
  'reported_at',
] as const

export type ListRow = Pick<LoginRequestRow, (typeof LIST_COLUMNS)[number]>

export function clampInt(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback
  return Math.min(max, Math.max(min, Math.trunc(value)))
}

function epochMs(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? Math.floor(value) : undefined
}

/**
 * A pending request past its expiry is expired, whether or not anyone has touched it since. A
 * denied one stays denied: what the admin needs to know is that the policy refused someone.
 */
function effectiveStatus(status: LedgerStatus, expiresAt: number, now: number): LedgerStatus {
  return status === 'pending' && expiresAt <= now ? 'expired' : status
}

export function isLedgerStatus(value: string): value is LedgerStatus {
  return (LEDGER_STATUSES as readonly string[]).includes(value)
}

export function toItem(row: ListRow, now: number): LedgerListItem {
  return {
    id: row.id,
    status: effectiveStatus(row.status, row.expires_at, now),
    serverKey: row.server_key,
    createdAt: row.created_at,
    signedInAt: row.signed_in_at,
    submittedAt: row.submitted_at,
    finishedAt: row.finished_at,
    expiresAt: row.expires_at,
    identitySource: row.identity_source,
    authMethods: row.auth_methods,
    userEmail: row.user_email,
    userSub: row.user_sub,
    authRequestId: row.auth_request_id,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    ip: row.ip,
    userAgent: row.user_agent,
    reportedAt: row.reported_at,
  }
}

export function parseJson(text: string | null): unknown | null {
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

export interface Range {
  from: number
  to: number
}

/** The one range the list, counts, timeline and export all show. */
export function resolveRange(filter: LedgerFilter, now: number): Range {
  const to = epochMs(filter.to) ?? now
  const from = epochMs(filter.from) ?? to - DEFAULT_RANGE_MS
  return { from, to }
}

/** `%`, `_` and the escape character itself match only themselves. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`)
}

export function searchText(q: string | undefined): string | undefined {
  const text = q?.trim().slice(0, MAX_QUERY_LENGTH).trim()
  return text ? text : undefined
}

export function statusCondition(eb: Eb, status: LedgerStatus, now: number): Expression<SqlBool> {
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

/** The filter as conditions; `omit` leaves the status or the server out (for the counts by that). */
export function filterConditions(
  eb: Eb,
  filter: LedgerFilter,
  range: Range,
  now: number,
  omit?: 'status' | 'server',
): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [eb('created_at', '>=', range.from), eb('created_at', '<', range.to)]
  if (omit !== 'status' && filter.status) conditions.push(statusCondition(eb, filter.status, now))
  if (filter.source) conditions.push(eb('identity_source', '=', filter.source))
  if (omit !== 'server' && filter.server) conditions.push(eb('server_key', '=', filter.server))
  // Served by the partial index on reported rows (migration 0009).
  if (filter.reported) conditions.push(eb('reported_at', 'is not', null))
  const text = searchText(filter.q)
  if (text) conditions.push(eb('id', 'in', searchCandidates(eb, text, range)))
  return conditions
}

/** Strictly after the cursor in (created_at desc, id desc); the first term bounds the index range. */
function afterCursor(eb: Eb, after: LedgerCursor): Expression<SqlBool> {
  return eb.and([eb('created_at', '<=', after.createdAt), eb.or([eb('created_at', '<', after.createdAt), eb('id', '<', after.id)])])
}

/** Every row of the filter after the cursor, newest first (the export reads it whole through a server-side cursor). */
export function orderedQuery(db: Db, filter: LedgerFilter, range: Range, now: number, after: LedgerCursor | null) {
  return db
    .selectFrom('login_requests')
    .select(LIST_COLUMNS)
    .where((eb) => eb.and([...filterConditions(eb, filter, range, now), ...(after ? [afterCursor(eb, after)] : [])]))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
}

export function listQuery(db: Db, filter: LedgerFilter, range: Range, now: number, after: LedgerCursor | null, limit: number) {
  return orderedQuery(db, filter, range, now, after).limit(limit)
}
