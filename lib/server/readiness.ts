import 'server-only'
import { sql } from 'kysely'
import { getDb } from '../db/client'
import { errorText, logEvent } from './log'
import { fetchScalekitTokens } from '../scalekit/client'
import { checkPeerAddressStamp } from './peer-address'
import { countDatabaseError } from './metrics'

// /api/ready: can this instance finish a login right now? Three parts: the database (the ledger,
// the throttle, the single-use claim), Scalekit (a client-credentials token) and the peer address
// stamped on each request (lib/server/peer-address.ts; read from the poll itself). A load balancer
// polls it every few seconds, so the database is asked at most once a second and Scalekit at most
// once a minute while it works, every 5 seconds while it does not.

interface PartCheck {
  ok: boolean
  /** What failed, in words safe to show an operator: no secrets, no connection strings. */
  error?: string
  checkedAt: string
}

export interface Readiness {
  ready: boolean
  checks: { database: PartCheck; scalekit: PartCheck; peerAddress: PartCheck }
}

const DATABASE_TIMEOUT_MS = 2000
const CACHE_MS = { database: { ok: 1000, failed: 1000 }, scalekit: { ok: 60_000, failed: 5000 } }

interface Cached {
  check: PartCheck
  at: number
  pending?: Promise<PartCheck>
}

const cache: { database?: Cached; scalekit?: Cached } = {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

// Anyone can poll /api/ready, so a failure says which part and how in fixed words; the error
// itself, with its host names and addresses, goes to the log only.
function reportFailure(part: string, error: unknown): void {
  logEvent('ready_check_failed', { part, error: errorText(error) })
}

async function checkDatabase(): Promise<PartCheck> {
  const checkedAt = new Date().toISOString()
  try {
    await withTimeout(
      (async () => {
        const db = await getDb()
        await sql`select 1`.execute(db)
      })(),
      DATABASE_TIMEOUT_MS,
      'the database',
    )
    return { ok: true, checkedAt }
  } catch (error) {
    reportFailure('database', error)
    countDatabaseError('readiness')
    return { ok: false, error: 'the database did not answer', checkedAt }
  }
}

async function checkScalekit(): Promise<PartCheck> {
  const checkedAt = new Date().toISOString()
  const result = await fetchScalekitTokens()
  if (result.ok) return { ok: true, checkedAt }
  reportFailure('scalekit', result.detail)
  return { ok: false, error: result.problem, checkedAt }
}

async function cached(part: keyof typeof cache, run: () => Promise<PartCheck>, now: number): Promise<PartCheck> {
  const entry = cache[part]
  if (entry?.pending) return entry.pending
  if (entry && now - entry.at < CACHE_MS[part][entry.check.ok ? 'ok' : 'failed']) return entry.check
  const pending = run().then((check) => {
    cache[part] = { check, at: Date.now() }
    return check
  })
  cache[part] = { check: entry?.check ?? { ok: false, checkedAt: new Date(now).toISOString() }, at: entry?.at ?? 0, pending }
  return pending
}

export async function checkReadiness(requestHeaders: Headers, now = Date.now()): Promise<Readiness> {
  const [database, scalekit] = await Promise.all([cached('database', checkDatabase, now), cached('scalekit', checkScalekit, now)])
  const peerAddress = { ...checkPeerAddressStamp(requestHeaders), checkedAt: new Date(now).toISOString() }
  return { ready: database.ok && scalekit.ok && peerAddress.ok, checks: { database, scalekit, peerAddress } }
}
