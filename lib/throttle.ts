import 'server-only'
import { createHash } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from './db/schema'
import type { Env } from './env'

// Email-and-password sign-ins are throttled per account and per client address, in the database so
// every instance sees the same counts. An account's attempt is counted *before* its password is
// checked and forgiven when it succeeds, so a burst of parallel guesses at one account cannot all
// slip in before the first failure is written. An address counts failures only: an office behind
// one address may sign many people in at once. Any email is counted the same way, known or not,
// so a lockout says nothing about whether an account exists. Locks are temporary, so nobody can
// lock a person out for good.

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

function ipKey(ip: string): string {
  return `ip:${ip}`
}

/**
 * Counts one attempt against `key` and says until when the key is locked, if it is. A locked key
 * is not counted further; a window that has run out starts again at this attempt. The key locks
 * once its count goes over `allowed`.
 */
async function countAttempt(db: Db, key: string, allowed: number, limits: ThrottleLimits, now: number): Promise<number | null> {
  const windowStart = now - limits.windowMs
  const row = await db
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
    .returning(['failures', 'locked_until'])
    .executeTakeFirstOrThrow()
  if (row.locked_until !== null && row.locked_until > now) return row.locked_until
  if (row.failures <= allowed) return null
  // Over the limit: lock for a while, and count afresh once the lock is over.
  const lockedUntil = now + limits.lockoutMs
  await db
    .updateTable('sign_in_throttle')
    .set({ locked_until: lockedUntil, failures: 0, window_started_at: now })
    .where('key', '=', key)
    .execute()
  return lockedUntil
}

async function lockedUntil(db: Db, key: string, now: number): Promise<number | null> {
  const row = await db.selectFrom('sign_in_throttle').select('locked_until').where('key', '=', key).executeTakeFirst()
  return row?.locked_until != null && row.locked_until > now ? row.locked_until : null
}

function verdict(until: number | null, now: number): AttemptVerdict {
  return until !== null && until > now ? { allowed: false, retryAfterMs: until - now } : { allowed: true }
}

/**
 * Called before the credentials are checked; a refused attempt must not check them at all. The
 * account's attempt counts now (up to `perAccount` are checked per window); the address is only
 * asked whether it is locked.
 */
export async function beginAttempt(db: Db, email: string, ip: string | null, limits: ThrottleLimits, now = Date.now()): Promise<AttemptVerdict> {
  const ipLock = ip ? await lockedUntil(db, ipKey(ip), now) : null
  if (ipLock !== null) return verdict(ipLock, now)
  return verdict(await countAttempt(db, accountKey(email), limits.perAccount, limits, now), now)
}

/** The credentials were refused: the address counts one failure (the account already counted it). */
export async function recordFailure(db: Db, ip: string | null, limits: ThrottleLimits, now = Date.now()): Promise<void> {
  if (ip) await countAttempt(db, ipKey(ip), limits.perIp - 1, limits, now)
}

/** A successful sign-in, or a source that could not answer: the account gets its attempt back. */
export async function forgiveAttempt(db: Db, email: string): Promise<void> {
  await db.deleteFrom('sign_in_throttle').where('key', '=', accountKey(email)).execute()
}

/** The longest window the configuration allows; a row older than that and unlocked counts nothing. */
export const MAX_WINDOW_MS = 24 * 3600 * 1000

/** Drops rows whose window started over `windowMs` ago and that hold no live lock. */
export async function purgeThrottle(db: Db, windowMs = MAX_WINDOW_MS, now = Date.now()): Promise<number> {
  const result = await db
    .deleteFrom('sign_in_throttle')
    .where('window_started_at', '<=', now - windowMs)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** The same sentence whichever key is locked, so it tells nothing about the account. */
export function throttledMessage(retryAfterMs: number): string {
  return `Too many failed sign-in attempts. Wait ${waitSentence(retryAfterMs)}, then try again.`
}

/** "about 15 minutes": whole minutes, rounded up, never zero. */
export function waitSentence(retryAfterMs: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000))
  return minutes === 1 ? 'about a minute' : `about ${minutes} minutes`
}
