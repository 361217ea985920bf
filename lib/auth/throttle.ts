import 'server-only'
import { createHash } from 'node:crypto'
import { isIPv6 } from 'node:net'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/schema'
import type { Env } from '../env'
import { countThrottleLock, type ThrottleScope } from '../server/metrics'

// Email-and-password sign-ins are throttled per account and per client address, in the database so
// every instance sees the same counts. An attempt is counted against both *before* the password is
// checked and given back when it succeeds, so a burst of parallel guesses (at one account, or at
// many accounts from one address) cannot all slip in before the first failure is written; only
// failures lock. An IPv6 address counts with its /64. Any email is counted the same way, known or
// not, so a lockout says nothing about whether an account exists. Locks are temporary, so nobody
// can lock a person out for good.

export interface ThrottleLimits {
  perAccount: number
  perIp: number
  windowMs: number
  lockoutMs: number
}

export type AttemptVerdict = { allowed: true } | { allowed: false; retryAfterMs: number }

type Db = Kysely<Database>

export function throttleLimits(env: Env): ThrottleLimits {
  return {
    perAccount: env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT,
    perIp: env.SIGN_IN_MAX_FAILURES_PER_IP,
    windowMs: env.SIGN_IN_FAILURE_WINDOW_SECONDS * 1000,
    lockoutMs: env.SIGN_IN_LOCKOUT_SECONDS * 1000,
  }
}

/** The account key is a hash of the normalized email, so the table holds no address. */
export function accountKey(email: string): string {
  return `account:${createHash('sha256').update(email.trim().toLowerCase()).digest('base64url')}`
}

/**
 * An IPv4 address counts alone; an IPv6 address counts with its whole /64, the block one host or
 * one customer usually holds, so changing the interface identifier buys no extra guesses.
 */
export function ipKey(ip: string): string {
  if (!isIPv6(ip)) return `ip:${ip}`
  const [head = '', tail = ''] = ip.toLowerCase().split('::')
  const headGroups = head ? head.split(':') : []
  const tailGroups = ip.includes('::') ? (tail ? tail.split(':') : []) : []
  const groups = ip.includes('::')
    ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups
  return `ip6:${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}

/**
 * Counts one more against `key` and returns the count and the lock. A locked key is not counted
 * further; a window that has run out starts again at this count.
 */
async function increment(
  db: Db,
  key: string,
  limits: ThrottleLimits,
  now: number,
): Promise<{ failures: number; locked_until: number | null; window_started_at: number }> {
  const windowStart = now - limits.windowMs
  return db
    .insertInto('sign_in_throttle')
    .values({ key, failures: 1, window_started_at: now, locked_until: null })
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet({
        failures: sql<number>`case
          when sign_in_throttle.locked_until > ${now} then sign_in_throttle.failures
          when sign_in_throttle.window_started_at <= ${windowStart} then 1
          else sign_in_throttle.failures + 1 end`,
        window_started_at: sql<number>`case
          when sign_in_throttle.locked_until > ${now} then sign_in_throttle.window_started_at
          when sign_in_throttle.window_started_at <= ${windowStart} then ${now}
          else sign_in_throttle.window_started_at end`,
      }),
    )
    .returning(['failures', 'locked_until', 'window_started_at'])
    .executeTakeFirstOrThrow()
}

async function decrement(db: Db, key: string): Promise<void> {
  await db
    .updateTable('sign_in_throttle')
    .set({ failures: sql<number>`failures - 1` })
    .where('key', '=', key)
    .where('failures', '>', 0)
    .execute()
}

/** How long the count of new login requests per address runs before it starts again. */
const ARRIVAL_WINDOW_MS = 10 * 60 * 1000

/**
 * Counts one new login request from this address (shared by every instance, like the sign-in
 * throttle) and says whether it is within `limit` for the last 10 minutes. Each new login request
 * is a ledger row, so a flood of made-up ones from one address is refused before it writes any.
 */
export async function admitNewLoginRequest(db: Db, ip: string | null, limit: number, now = Date.now()): Promise<boolean> {
  if (!ip) return true
  const row = await increment(
    db,
    `arrivals:${ipKey(ip).replace(/^ip6?:/, '')}`,
    { perAccount: limit, perIp: limit, windowMs: ARRIVAL_WINDOW_MS, lockoutMs: 0 },
    now,
  )
  return row.failures <= limit
}

/** How long the counts of forgot-password requests run before they start again. */
const RESET_WINDOW_MS = 3600 * 1000

/**
 * Counts one forgot-password request against the account asked for (any email, known or not: the
 * request never looks it up) and against the client address, for the last hour, and says whether
 * both are within their limits. Every request counts, so a refused one does not end the wait.
 */
export async function admitPasswordResetRequest(
  db: Db,
  email: string,
  ip: string | null,
  limits: { perAccount: number; perAddress: number },
  now = Date.now(),
): Promise<AttemptVerdict> {
  const window = { perAccount: limits.perAccount, perIp: limits.perAddress, windowMs: RESET_WINDOW_MS, lockoutMs: 0 }
  const counts = [{ row: await increment(db, `reset:${accountKey(email)}`, window, now), limit: limits.perAccount }]
  if (ip) counts.push({ row: await increment(db, `reset:${ipKey(ip)}`, window, now), limit: limits.perAddress })
  const over = counts.filter(({ row, limit }) => row.failures > limit)
  if (over.length === 0) return { allowed: true }
  return { allowed: false, retryAfterMs: Math.max(...over.map(({ row }) => Number(row.window_started_at) + RESET_WINDOW_MS - now)) }
}

/** Locks `key` for the lockout once it holds `limit` failures; counting starts afresh after it. */
async function lockWhenSpent(db: Db, scope: ThrottleScope, key: string, limit: number, limits: ThrottleLimits, now: number): Promise<void> {
  const locked = await db
    .updateTable('sign_in_throttle')
    .set({ locked_until: now + limits.lockoutMs, failures: 0, window_started_at: now })
    .where('key', '=', key)
    .where('failures', '>=', limit)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .executeTakeFirst()
  if (Number(locked.numUpdatedRows) > 0) countThrottleLock(scope)
}

async function lockedUntil(db: Db, key: string, now: number): Promise<number | null> {
  const row = await db.selectFrom('sign_in_throttle').select('locked_until').where('key', '=', key).executeTakeFirst()
  return row?.locked_until != null && row.locked_until > now ? row.locked_until : null
}

/** How long to wait when attempts in flight fill the account's allowance: they end within seconds. */
const BUSY_RETRY_MS = 30_000

/**
 * Called before the credentials are checked; a refused attempt must not check them at all. The
 * account's count holds its failures and its attempts in flight, at most `perAccount` of them at
 * once, and the address's the same up to `perIp`; only failures lock, so a burst of sign-ins that
 * succeed never does.
 */
export async function beginAttempt(
  db: Db,
  email: string,
  ip: string | null,
  limits: ThrottleLimits,
  now = Date.now(),
): Promise<AttemptVerdict> {
  const ipLock = ip ? await lockedUntil(db, ipKey(ip), now) : null
  if (ipLock !== null) return { allowed: false, retryAfterMs: ipLock - now }
  const key = accountKey(email)
  const row = await increment(db, key, limits, now)
  if (row.locked_until !== null && row.locked_until > now) return { allowed: false, retryAfterMs: row.locked_until - now }
  if (row.failures > limits.perAccount) {
    await decrement(db, key)
    return { allowed: false, retryAfterMs: BUSY_RETRY_MS }
  }
  if (!ip) return { allowed: true }
  const address = await increment(db, ipKey(ip), limits, now)
  if (address.failures <= limits.perIp && (address.locked_until === null || address.locked_until <= now)) return { allowed: true }
  await Promise.all([decrement(db, key), decrement(db, ipKey(ip))])
  return {
    allowed: false,
    retryAfterMs: address.locked_until !== null && address.locked_until > now ? address.locked_until - now : BUSY_RETRY_MS,
  }
}

/**
 * The credentials were refused: the attempt stays counted as a failure of the account, which locks
 * at `perAccount`, and of the address, which locks at `perIp`.
 */
export async function recordFailure(db: Db, email: string, ip: string | null, limits: ThrottleLimits, now = Date.now()): Promise<void> {
  await lockWhenSpent(db, 'account', accountKey(email), limits.perAccount, limits, now)
  if (ip) await lockWhenSpent(db, 'address', ipKey(ip), limits.perIp, limits, now)
}

/** A successful sign-in: the account starts clean, and the address gets its attempt back. */
export async function forgiveAttempt(db: Db, email: string, ip: string | null): Promise<void> {
  await db.deleteFrom('sign_in_throttle').where('key', '=', accountKey(email)).execute()
  if (ip) await decrement(db, ipKey(ip))
}

/** The check did not run (the process was busy): the account and the address get their attempt back. */
export async function releaseAttempt(db: Db, email: string, ip: string | null): Promise<void> {
  await decrement(db, accountKey(email))
  if (ip) await decrement(db, ipKey(ip))
}

/**
 * The source answered neither yes nor no (403, 404, a timeout...). That is not this account's
 * failure, so the account gets its attempt back; but an address could use it to probe without a
 * refusal ever counting, so for the address it counts as a failure.
 */
export async function recordSourceFault(db: Db, email: string, ip: string | null, limits: ThrottleLimits, now = Date.now()): Promise<void> {
  await decrement(db, accountKey(email))
  if (ip) await lockWhenSpent(db, 'address', ipKey(ip), limits.perIp, limits, now)
}

/** The longest window the configuration allows; a row older than that and unlocked counts nothing. */
const MAX_WINDOW_MS = 24 * 3600 * 1000

/** Drops rows whose window started over `windowMs` ago and that hold no live lock. */
export async function purgeThrottle(db: Db, windowMs = MAX_WINDOW_MS, now = Date.now()): Promise<number> {
  const result = await db
    .deleteFrom('sign_in_throttle')
    .where('window_started_at', '<=', now - windowMs)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** How many minutes to wait: whole minutes, rounded up, never zero (the messages say "about 15 minutes"). */
export function waitMinutes(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 60_000))
}
