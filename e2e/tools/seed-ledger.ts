import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { sql, type Kysely } from 'kysely'
import { migrateToLatest, openDatabase, type Database, type DatabaseHandle } from '../../lib/db'
import type { LoginEventsTable, LoginRequestsTable } from '../../lib/db/schema'
import { newLoginRequestRow } from '../../lib/ledger/record'

// A realistic ledger for load tests of the admin area: login requests spread over the last N days
// with a weekly and daily rhythm, a few thousand people behind a handful of identity sources, the
// outcomes a bridge really records (mostly completed, some failed with varied codes, cancelled,
// abandoned past their TTL) and the events of each. For a given seed and clock the same rows,
// except the opaque state hashes.
//
//   npm run seed:ledger -- [--rows 1000000] [--days 90] [--users 5000] [--seed 1] [--servers default] [--force]
//
// By default every row is for the single-connection configuration's server, "default". Given
// several server keys (--servers docs,billing,crm), rows spread over them, the first taking the
// largest share, and a few requests for the others end denied by their access policy.
//
// Uses DATABASE_URL (unset: SQLite at .data/bridge.db). Refuses a ledger that already has rows
// unless --force is given. bench/scenarios/admin.ts imports seedLedger.

const DAY_MS = 24 * 60 * 60 * 1000
const HOUR_MS = 60 * 60 * 1000
const TTL_MS = 10 * 60 * 1000

export interface SeedOptions {
  rows: number
  days: number
  users: number
  seed: number
  now: number
  /** Server keys to spread the rows over; unset: ["default"]. */
  servers?: string[]
  onProgress?: (done: number, total: number) => void
}

export interface SeedPerson {
  email: string
  sub: string
  source: string
}

export interface SeedResult {
  loginRequests: number
  events: number
  seconds: number
  /** Stored statuses as written (a pending row past its TTL is still "pending" here). */
  storedStatuses: Record<string, number>
  people: SeedPerson[]
  /** A few real rows, for look-ups by id. */
  sampleIds: string[]
}

/** mulberry32: small, fast and good enough for test data. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FIRST_NAMES = [
  'maria',
  'james',
  'aiko',
  'lucas',
  'fatima',
  'oliver',
  'chen',
  'sofia',
  'noah',
  'amara',
  'liam',
  'ingrid',
  'mateo',
  'priya',
  'elias',
  'zoe',
  'omar',
  'hana',
  'ivan',
  'leila',
  'arjun',
  'emma',
  'kofi',
  'nina',
  'diego',
  'yara',
  'felix',
  'mei',
  'samuel',
  'anya',
  'tomas',
  'sara',
  'jonas',
  'lucia',
  'ravi',
  'greta',
  'hugo',
  'aisha',
  'pablo',
  'elena',
]
const LAST_NAMES = [
  'garcia',
  'smith',
  'tanaka',
  'silva',
  'khan',
  'brown',
  'wang',
  'rossi',
  'johnson',
  'okafor',
  'murphy',
  'larsen',
  'lopez',
  'patel',
  'becker',
  'martin',
  'haddad',
  'kim',
  'petrov',
  'nasser',
  'sharma',
  'dubois',
  'mensah',
  'novak',
  'fernandez',
  'costa',
  'weber',
  'chen',
  'cohen',
  'ivanova',
  'horvat',
  'nilsson',
  'schmidt',
  'moreno',
  'gupta',
  'lindqvist',
  'moreau',
  'bello',
  'ruiz',
  'popescu',
]
const COMPANIES = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'vandelay', 'wayne', 'stark']
/** Identity sources and their share of people: an upstream OIDC IdP, the company's credential API and app session, the local directory. */
const SOURCES: Array<[string, number]> = [
  ['acme-okta', 0.5],
  ['company-api', 0.25],
  ['company-app', 0.15],
  ['local', 0.1],
]
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Cursor/0.44.11 Chrome/128.0.6613.186 Electron/32.2.6 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Code/1.96.0 Chrome/128.0.6613.186 Electron/32.2.6 Safari/537.36',
]
const FAILURES: Array<[string, string]> = [
  ['scalekit_rejected_user', 'InvalidArgument: user details rejected'],
  ['scalekit_invalid_id', 'NotFound: invalid login request ID'],
  ['scalekit_unavailable', 'Unavailable: connection refused'],
  ['scalekit_timeout', 'DeadlineExceeded: no answer within 5000 ms'],
  ['scalekit_unauthenticated', 'Unauthenticated: client credentials were refused'],
  ['claims_invalid', 'The identity source returned no usable email address'],
  ['source_unavailable', 'The company credential API did not answer'],
]
/** Relative login volume per hour of the day (UTC): office hours on both sides of the Atlantic. */
const HOURLY = [2, 1, 1, 1, 1, 2, 4, 8, 12, 14, 15, 14, 12, 13, 15, 16, 15, 12, 8, 6, 5, 4, 3, 2]
/** Monday .. Sunday. */
const WEEKLY = [1, 1.05, 1.05, 1, 0.9, 0.3, 0.25]

function cumulative(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0)
  let running = 0
  return weights.map((weight) => (running += weight / total))
}

function pick(cdf: readonly number[], r: number): number {
  let index = 0
  while (index < cdf.length - 1 && r > cdf[index]!) index += 1
  return index
}

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz'

/** Random characters of `alphabet`, built from char codes: one string per token, not one per character. */
function token(rand: () => number, length: number, alphabet = BASE36): string {
  const codes = new Array<number>(length)
  for (let i = 0; i < length; i += 1) codes[i] = alphabet.charCodeAt(Math.floor(rand() * alphabet.length))
  return String.fromCharCode(...codes)
}

interface Person extends SeedPerson {
  name: string
  ip: string
  agent: string
  // The same for every request of a person, so serialized once.
  receivedDetail: string
  signedInDetail: string
  claims: string
}

function makePeople(count: number, rand: () => number): Person[] {
  const sourceCdf = cumulative(SOURCES.map(([, share]) => share))
  return Array.from({ length: count }, (_, n) => {
    const first = FIRST_NAMES[Math.floor(rand() * FIRST_NAMES.length)]!
    const last = LAST_NAMES[Math.floor(rand() * LAST_NAMES.length)]!
    const company = COMPANIES[Math.floor(rand() * COMPANIES.length)]!
    const source = SOURCES[pick(sourceCdf, rand())]![0]
    const sub =
      source === 'acme-okta'
        ? `00u${token(rand, 17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`
        : source === 'company-api'
          ? `emp-${100000 + n}`
          : source === 'company-app'
            ? `app|${token(rand, 12)}`
            : `usr_${token(rand, 20)}`
    const email = `${first}.${last}${n}@${company}.test`
    const givenName = `${first[0]!.toUpperCase()}${first.slice(1)}`
    const familyName = `${last[0]!.toUpperCase()}${last.slice(1)}`
    const ip = `${[198, 203, 192, 100][n % 4]}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`
    const agent = USER_AGENTS[Math.floor(rand() * USER_AGENTS.length)]!
    const name = `${givenName} ${familyName}`
    return {
      email,
      sub,
      source,
      name,
      ip,
      agent,
      receivedDetail: JSON.stringify({ ip, userAgent: agent.slice(0, 200) }),
      signedInDetail: JSON.stringify({ source, email }),
      claims: JSON.stringify({ sub, email, emailVerified: true, name, givenName, familyName }),
    }
  })
}

/** Creation times, oldest first: a day by the weekly rhythm, an hour by the daily one. */
function creationTimes(rows: number, days: number, now: number, rand: () => number): Float64Array {
  const start = now - days * DAY_MS
  const dayWeights = Array.from({ length: days }, (_, d) => WEEKLY[(new Date(start + d * DAY_MS).getUTCDay() + 6) % 7]!)
  const dayCdf = cumulative(dayWeights)
  const hourCdf = cumulative(HOURLY)
  const times = new Float64Array(rows)
  for (let i = 0; i < rows; i += 1) {
    const day = pick(dayCdf, rand())
    const hour = pick(hourCdf, rand())
    const time = start + day * DAY_MS + hour * HOUR_MS + Math.floor(rand() * HOUR_MS)
    times[i] = Math.min(time, now - 1)
  }
  return times.sort()
}

type Outcome = 'completed' | 'failed' | 'cancelled' | 'abandoned' | 'expired' | 'pending' | 'submitting' | 'denied'

/** ~87% completed, ~6% failed, ~4% cancelled, ~3% expired (mostly never touched again), ~1% left pending, a few stuck submitting. */
const OUTCOMES: Array<[Outcome, number]> = [
  ['completed', 0.8695],
  ['failed', 0.06],
  ['cancelled', 0.04],
  ['abandoned', 0.014],
  ['expired', 0.006],
  // Left pending; past the TTL (all but the newest) that is one more abandoned request.
  ['pending', 0.01],
  ['submitting', 0.0005],
]

/** The share of a further server's would-be completed logins its access policy denies instead. */
const DENIED_SHARE = 0.02

interface SeedServer {
  key: string
  connectionId: string
  /** Has an access policy that refuses some people: every server but the first, when there are several. */
  deniable: boolean
}

/** One server per key, the first with the connection id the single-server ledger has always had. */
function makeServers(keys: string[], rand: () => number): { servers: SeedServer[]; cdf: number[] } {
  const servers = keys.map((key, index) => ({ key, connectionId: `conn_${token(rand, 16)}`, deniable: keys.length > 1 && index > 0 }))
  // Server i gets a share proportional to 1 / (i + 1): one main server and smaller ones.
  return { servers, cdf: cumulative(keys.map((_, index) => 1 / (index + 1))) }
}

function buildRow(
  id: string,
  createdAt: number,
  person: Person,
  outcome: Outcome,
  rand: () => number,
  hex: string,
  server: SeedServer,
): { row: LoginRequestsTable; events: Array<Omit<LoginEventsTable, 'id'>> } {
  const signedInAt = createdAt + 3_000 + Math.floor(rand() * 40_000)
  const submittedAt = signedInAt + 150 + Math.floor(rand() * 800)
  const finishedAt = submittedAt + 40 + Math.floor(rand() * 300)
  const authRequestId = `ar_${token(rand, 22)}`
  const row = newLoginRequestRow({
    id,
    connectionId: server.connectionId,
    serverKey: server.key,
    stateHash: hex,
    createdAt,
    expiresAt: createdAt + TTL_MS,
    ip: person.ip,
    userAgent: person.agent,
  })
  const events: Array<Omit<LoginEventsTable, 'id'>> = [
    { login_request_id: id, at: createdAt, type: 'received', detail: person.receivedDetail },
  ]
  const signIn = () => {
    Object.assign(row, {
      signed_in_at: signedInAt,
      submitted_at: submittedAt,
      identity_source: person.source,
      user_sub: person.sub,
      user_email: person.email,
    })
    events.push({ login_request_id: id, at: signedInAt, type: 'signed_in', detail: person.signedInDetail })
    events.push({ login_request_id: id, at: submittedAt, type: 'submitted', detail: null })
  }
  switch (outcome) {
    case 'completed': {
      signIn()
      Object.assign(row, {
        status: 'completed',
        finished_at: finishedAt,
        updated_at: finishedAt,
        auth_request_id: authRequestId,
        claims: person.claims,
      })
      events.push({ login_request_id: id, at: finishedAt, type: 'completed', detail: `{"authRequestId":"${authRequestId}"}` })
      break
    }
    case 'failed': {
      signIn()
      const [code, message] = FAILURES[Math.floor(rand() * FAILURES.length)]!
      Object.assign(row, { status: 'failed', finished_at: finishedAt, updated_at: finishedAt, error_code: code, error_message: message })
      events.push({ login_request_id: id, at: finishedAt, type: 'failed', detail: JSON.stringify({ code, message }) })
      break
    }
    case 'cancelled': {
      Object.assign(row, {
        status: 'cancelled',
        submitted_at: signedInAt,
        finished_at: signedInAt + 120,
        updated_at: signedInAt + 120,
        auth_request_id: authRequestId,
        claims: '{"loginFailed":true}',
      })
      events.push({ login_request_id: id, at: signedInAt + 120, type: 'cancelled', detail: `{"authRequestId":"${authRequestId}"}` })
      break
    }
    case 'abandoned':
    case 'pending': {
      // Most people who leave do it without a trace; some fail to sign in first.
      if (rand() < 0.35) {
        const code = rand() < 0.7 ? 'invalid_credentials' : 'source_unavailable'
        Object.assign(row, {
          updated_at: signedInAt,
          error_code: code,
          error_message: code === 'invalid_credentials' ? 'Email or password is incorrect' : 'The identity source did not answer',
        })
        events.push({
          login_request_id: id,
          at: signedInAt,
          type: 'sign_in_failed',
          detail: JSON.stringify({ source: person.source, code }),
        })
      }
      break
    }
    case 'expired': {
      // Someone came back after the TTL and the bridge closed the request.
      const at = createdAt + TTL_MS + Math.floor(rand() * HOUR_MS)
      Object.assign(row, {
        status: 'expired',
        finished_at: at,
        updated_at: at,
        error_code: 'expired',
        error_message: 'This sign-in link has expired',
      })
      events.push({ login_request_id: id, at, type: 'expired', detail: JSON.stringify({ code: 'expired' }) })
      break
    }
    case 'submitting': {
      signIn()
      Object.assign(row, { status: 'submitting', updated_at: submittedAt })
      break
    }
    case 'denied': {
      // Signed in, refused by the server's access policy; nothing reached Scalekit.
      const rule = `not in any of the groups: ${server.key}-users`
      Object.assign(row, {
        status: 'denied',
        signed_in_at: signedInAt,
        updated_at: signedInAt,
        identity_source: person.source,
        user_sub: person.sub,
        user_email: person.email,
        error_code: 'denied',
        error_message: rule,
      })
      const detail = JSON.stringify({ source: person.source, email: person.email, rule })
      events.push({ login_request_id: id, at: signedInAt, type: 'denied', detail })
      break
    }
  }
  return { row, events }
}

const REQUEST_COLUMNS = [
  'id',
  'connection_id',
  'server_key',
  'state_hash',
  'status',
  'created_at',
  'updated_at',
  'expires_at',
  'signed_in_at',
  'submitted_at',
  'finished_at',
  'identity_source',
  'user_sub',
  'user_email',
  'auth_request_id',
  'error_code',
  'error_message',
  'ip',
  'user_agent',
  'claims',
] as const satisfies ReadonlyArray<keyof LoginRequestsTable>
const BIGINT_COLUMNS = new Set<string>(['created_at', 'updated_at', 'expires_at', 'signed_in_at', 'submitted_at', 'finished_at'])

/**
 * PostgreSQL: one INSERT ... SELECT FROM unnest(arrays) per batch, 20 parameters whatever the
 * batch size; SQLite: multi-row VALUES (its parameter limit allows ~1,600 rows of 20 columns).
 */
async function insertBatch(
  db: Kysely<Database>,
  engine: DatabaseHandle['engine'],
  rows: LoginRequestsTable[],
  events: Array<Omit<LoginEventsTable, 'id'>>,
) {
  if (engine === 'postgres') {
    const columns = sql.join(REQUEST_COLUMNS.map((column) => sql.ref(column)))
    const arrays = sql.join(
      REQUEST_COLUMNS.map((column) => sql`${rows.map((row) => row[column])}::${sql.raw(BIGINT_COLUMNS.has(column) ? 'bigint' : 'text')}[]`),
    )
    await db.transaction().execute(async (trx) => {
      // Test data: a crash may lose the last batches, so the commit need not wait for the disk.
      await sql`set local synchronous_commit = off`.execute(trx)
      await sql`insert into login_requests (${columns}) select * from unnest(${arrays})`.execute(trx)
      await sql`insert into login_events (login_request_id, at, type, detail)
        select * from unnest(${events.map((e) => e.login_request_id)}::text[], ${events.map((e) => e.at)}::bigint[],
                             ${events.map((e) => e.type)}::text[], ${events.map((e) => e.detail)}::text[])`.execute(trx)
    })
    return
  }
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 1000)
      await trx
        .insertInto('login_requests')
        .values(rows.slice(i, i + 1000))
        .execute()
    for (let i = 0; i < events.length; i += 4000)
      await trx
        .insertInto('login_events')
        .values(events.slice(i, i + 4000))
        .execute()
  })
}

export async function seedLedger(handle: DatabaseHandle, options: SeedOptions): Promise<SeedResult> {
  const started = performance.now()
  const rand = random(options.seed)
  const people = makePeople(options.users, rand)
  const times = creationTimes(options.rows, options.days, options.now, rand)
  const outcomeCdf = cumulative(OUTCOMES.map(([, share]) => share))
  const { servers, cdf: serverCdf } = makeServers(options.servers?.length ? options.servers : ['default'], rand)
  const storedStatuses: Record<string, number> = {}
  const sampleIds: string[] = []
  const batchSize = handle.engine === 'postgres' ? 2000 : 10_000
  // A bulk load into a scratch database: SQLite need not fsync every batch's commit, and random
  // keys in nine indexes need far more than its default 2 MB page cache. Both are restored after.
  const pragma = async (name: string) => (await sql.raw<Record<string, number>>(`pragma ${name}`).execute(handle.db)).rows[0]?.[name]
  const restore = handle.engine === 'sqlite' ? { synchronous: await pragma('synchronous'), cache_size: await pragma('cache_size') } : {}
  if (handle.engine === 'sqlite') await sql.raw('pragma synchronous = off').execute(handle.db)
  if (handle.engine === 'sqlite') await sql.raw('pragma cache_size = -262144').execute(handle.db)
  let events = 0
  let done = 0
  const inFlight: Array<Promise<void>> = []

  for (let offset = 0; offset < options.rows; offset += batchSize) {
    const end = Math.min(options.rows, offset + batchSize)
    const rows: LoginRequestsTable[] = []
    const batchEvents: Array<Omit<LoginEventsTable, 'id'>> = []
    // State hashes are opaque and never queried: random, in one native call per batch.
    const hashes = randomBytes(32 * (end - offset)).toString('hex')
    for (let i = offset; i < end; i += 1) {
      const createdAt = times[i]!
      // A few people sign in far more often than most.
      const person = people[Math.floor(Math.pow(rand(), 1.6) * people.length)]!
      let outcome = OUTCOMES[pick(outcomeCdf, rand())]![0]
      const open = createdAt + TTL_MS > options.now
      // Past its TTL a "pending" row is the abandoned kind; inside it, some requests are in flight.
      if (outcome === 'pending' && !open) outcome = 'abandoned'
      if (open && rand() < 0.3) outcome = 'pending'
      // With one server no draw is made, so a seed gives the rows it always gave.
      const server = servers.length > 1 ? servers[pick(serverCdf, rand())]! : servers[0]!
      if (server.deniable && outcome === 'completed' && rand() < DENIED_SHARE) outcome = 'denied'
      // Scalekit's ids are time-ordered numbers; so are these, which also keeps index inserts local.
      const id = `lri_${String(createdAt).padStart(13, '0')}${token(rand, 5, '0123456789')}`
      const built = buildRow(id, createdAt, person, outcome, rand, hashes.slice((i - offset) * 64, (i - offset + 1) * 64), server)
      rows.push(built.row)
      batchEvents.push(...built.events)
      storedStatuses[built.row.status] = (storedStatuses[built.row.status] ?? 0) + 1
      if (i % Math.max(1, Math.floor(options.rows / 50)) === 7) sampleIds.push(id)
    }
    // PostgreSQL works on one batch while this process builds the next (two in flight at most).
    const inserted = insertBatch(handle.db, handle.engine, rows, batchEvents).then(() => {
      events += batchEvents.length
      done += rows.length
      options.onProgress?.(done, options.rows)
    })
    // Its failure surfaces where it is awaited, not as an unhandled rejection before that.
    inserted.catch(() => {})
    inFlight.push(inserted)
    if (inFlight.length >= (handle.engine === 'postgres' ? 2 : 1)) await inFlight.shift()
  }
  await Promise.all(inFlight)
  for (const [name, value] of Object.entries(restore)) {
    if (value !== undefined) await sql.raw(`pragma ${name} = ${Number(value)}`).execute(handle.db)
  }
  return {
    loginRequests: options.rows,
    events,
    seconds: (performance.now() - started) / 1000,
    storedStatuses,
    people: people.map(({ email, sub, source }) => ({ email, sub, source })),
    sampleIds,
  }
}

const USAGE = `Usage: npm run seed:ledger -- [--rows 1000000] [--days 90] [--users 5000] [--seed 1] [--servers default] [--force]

Fills the ledger of DATABASE_URL (unset: SQLite at .data/bridge.db) with made-up login requests.
--servers takes comma-separated MCP server keys (lowercase letters, digits, dashes) to spread the
rows over, the first getting the largest share. Refuses a ledger that already has rows unless
--force is given.`

function wholeNumber(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < min || parsed > max)
    throw new RangeError(`--${name} must be a whole number from ${min} to ${max}`)
  return parsed
}

/** Comma-separated server keys, each as MCP_SERVERS allows it, at most 20 and each once. */
function serverKeys(value: string | undefined): string[] {
  if (value === undefined) return ['default']
  const keys = value.split(',').map((key) => key.trim())
  if (keys.length > 20 || new Set(keys).size !== keys.length || !keys.every((key) => /^[a-z0-9-]{1,40}$/.test(key)))
    throw new RangeError('--servers must be 1 to 20 different keys of lowercase letters, digits or dashes, separated by commas')
  return keys
}

async function main(): Promise<number> {
  let options: SeedOptions
  let force: boolean
  try {
    const { values } = parseArgs({
      options: {
        rows: { type: 'string' },
        days: { type: 'string' },
        users: { type: 'string' },
        seed: { type: 'string' },
        servers: { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
    if (values.help) {
      console.log(USAGE)
      return 0
    }
    force = values.force
    options = {
      rows: wholeNumber('rows', values.rows, 1_000_000, 1, 20_000_000),
      days: wholeNumber('days', values.days, 90, 1, 3650),
      users: wholeNumber('users', values.users, 5000, 1, 1_000_000),
      seed: wholeNumber('seed', values.seed, 1, 0, 2 ** 31),
      servers: serverKeys(values.servers),
      now: Date.now(),
    }
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`)
    return 2
  }
  const handle = await openDatabase(process.env.DATABASE_URL || undefined)
  try {
    await migrateToLatest(handle)
    const existing = await handle.db.selectFrom('login_requests').select('id').limit(1).executeTakeFirst()
    if (existing && !force) {
      console.error('The ledger already has login requests; add --force to seed on top of them.')
      return 1
    }
    let reported = 0
    const result = await seedLedger(handle, {
      ...options,
      onProgress(done, total) {
        if (done - reported >= total / 10 || done === total) {
          reported = done
          process.stdout.write(`  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}\n`)
        }
      },
    })
    console.log(
      `Seeded ${result.loginRequests.toLocaleString('en-US')} login requests and ${result.events.toLocaleString('en-US')} events in ${result.seconds.toFixed(1)} s (${handle.engine}).`,
    )
    return 0
  } finally {
    await handle.db.destroy()
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
