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

/** An authenticator code (6 digits) or a recovery code, for a user who has finished enrolment. */
export async function checkSecondFactorCode(
  db: Kysely<Database>,
  user: { id: string; email: string },
  code: string,
  ip: string | null,
): Promise<CodeCheck> {
  const env = getEnv()
  const limits = throttleLimits(env)
  const verdict = await beginAttempt(db, user.email, ip, limits)
  if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterMs: verdict.retryAfterMs }
  const typed = code.trim()
  const totp = TOTP_CODE_PATTERN.test(typed.replace(/\s/g, ''))
  const result = totp
    ? await acceptTotpCode(db, env.AUTH_SECRET, user.id, typed)
    : (await redeemRecoveryCode(db, user.id, typed))
      ? 'accepted'
      : 'wrong'
  if (result === 'accepted') {
    await forgiveAttempt(db, user.email, ip)
    // RFC 8176: a one-time password (a recovery code is one too) after the password: two factors.
    return { ok: true, amr: ['pwd', 'otp', 'mfa'] }
  }
  await recordFailure(db, user.email, ip, limits)
  return { ok: false, reason: result === 'replayed' ? 'replayed' : 'wrong' }
}

/** Confirms a pending authenticator enrolment with its first code, under the same throttle. */
export async function confirmTotpEnrolment(
  db: Kysely<Database>,
  user: { id: string; email: string },
  code: string,
  ip: string | null,
): Promise<CodeCheck> {
  const env = getEnv()
  const limits = throttleLimits(env)
  const verdict = await beginAttempt(db, user.email, ip, limits)
  if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterMs: verdict.retryAfterMs }
  const result = await acceptTotpCode(db, env.AUTH_SECRET, user.id, code.trim(), { confirm: true })
  if (result === 'accepted') {
    await forgiveAttempt(db, user.email, ip)
    return { ok: true, amr: ['pwd', 'otp', 'mfa'] }
  }
  await recordFailure(db, user.email, ip, limits)
  return { ok: false, reason: result === 'replayed' ? 'replayed' : 'wrong' }
}
