import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'
import { getEnv } from '../env'
import { beginAttempt, forgiveAttempt, recordFailure, throttleLimits } from '../auth/throttle'
import { acceptTotpCode, TOTP_CODE_PATTERN } from './totp'
import { redeemRecoveryCode } from './recovery'

// The second step's code, checked under the same throttle as passwords: a wrong code counts as a
// failed sign-in of the account and of the address, a right one starts the account afresh.

export type CodeCheck =
  { ok: true; amr: string[] } | { ok: false; reason: 'wrong' | 'replayed' } | { ok: false; reason: 'throttled'; retryAfterMs: number }

type Verdict = Awaited<ReturnType<typeof acceptTotpCode>>

/** Runs `accept` inside the throttle: refused without a check while locked, counted when not accepted. */
async function underThrottle(
  db: Kysely<Database>,
  email: string,
  ip: string | null,
  accept: (secret: string) => Promise<Verdict>,
): Promise<CodeCheck> {
  const env = getEnv()
  const limits = throttleLimits(env)
  const verdict = await beginAttempt(db, email, ip, limits)
  if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterMs: verdict.retryAfterMs }
  const result = await accept(env.AUTH_SECRET)
  if (result === 'accepted') {
    await forgiveAttempt(db, email, ip)
    // RFC 8176: a one-time password (a recovery code is one too) after the password: two factors.
    return { ok: true, amr: ['pwd', 'otp', 'mfa'] }
  }
  await recordFailure(db, email, ip, limits)
  return { ok: false, reason: result === 'replayed' ? 'replayed' : 'wrong' }
}

/** An authenticator code (6 digits) or a recovery code, for a user who has finished enrolment. */
export function checkSecondFactorCode(db: Kysely<Database>, user: { id: string; email: string }, code: string, ip: string | null) {
  const typed = code.trim()
  return underThrottle(db, user.email, ip, async (secret) => {
    if (TOTP_CODE_PATTERN.test(typed.replace(/\s/g, ''))) return acceptTotpCode(db, secret, user.id, typed)
    return (await redeemRecoveryCode(db, user.id, typed)) ? 'accepted' : 'wrong'
  })
}

/** Confirms a pending authenticator enrolment with its first code, under the same throttle. */
export function confirmTotpEnrolment(db: Kysely<Database>, user: { id: string; email: string }, code: string, ip: string | null) {
  return underThrottle(db, user.email, ip, (secret) => acceptTotpCode(db, secret, user.id, code.trim(), { confirm: true }))
}
