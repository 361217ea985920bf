import 'server-only'
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { createTOTPKeyURI, verifyHOTP } from '@oslojs/otp'
import { encodeBase32NoPadding } from '@oslojs/encoding'
import type { Database } from '../db/schema'
import { sealKey, unsealKey } from './sealed'

// Authenticator codes (RFC 6238): 6 digits, 30-second steps, SHA-1, as every authenticator app
// reads them from an otpauth:// URI. A code is accepted for the current step and one either side
// (clock drift), and only for a step newer than the last one accepted: never twice.

const PERIOD_SECONDS = 30
const DIGITS = 6
const DRIFT_STEPS = 1
const KEY_BYTES = 20

export const TOTP_CODE_PATTERN = /^\d{6}$/

function stepAt(now: number): number {
  return Math.floor(now / 1000 / PERIOD_SECONDS)
}

/** The step a code belongs to within the accepted drift, or null. */
function matchingStep(key: Uint8Array, code: string, now: number): number | null {
  if (!TOTP_CODE_PATTERN.test(code)) return null
  const current = stepAt(now)
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    if (verifyHOTP(key, BigInt(step), DIGITS, code)) return step
  }
  return null
}

export interface TotpEnrolment {
  /** Base32, in groups of four, for typing into an app by hand. */
  keyText: string
  uri: string
}

/** The key as a person types it (base32 in groups of four) and as an app scans it. */
function enrolmentOf(key: Uint8Array, email: string, issuer: string): TotpEnrolment {
  return {
    keyText: encodeBase32NoPadding(key).replace(/(.{4})(?=.)/g, '$1 '),
    uri: createTOTPKeyURI(issuer, email, key, PERIOD_SECONDS, DIGITS),
  }
}

/**
 * Starts (or restarts) enrolment: a new key, kept unconfirmed until a code from it is entered.
 * Refused (null) while a confirmed authenticator exists: it must be removed first.
 */
export async function startTotpEnrolment(
  db: Kysely<Database>,
  secret: string,
  user: { id: string; email: string },
  issuer: string,
): Promise<TotpEnrolment | null> {
  const existing = await db.selectFrom('totp_factors').select('confirmed_at').where('user_id', '=', user.id).executeTakeFirst()
  if (existing?.confirmed_at) return null
  const key = new Uint8Array(randomBytes(KEY_BYTES))
  const row = { user_id: user.id, sealed_key: sealKey(secret, key), confirmed_at: null, last_step: 0, created_at: Date.now() }
  await db.deleteFrom('totp_factors').where('user_id', '=', user.id).where('confirmed_at', 'is', null).execute()
  // Two renders starting at once: the first key stays, and both show it.
  const inserted = await db
    .insertInto('totp_factors')
    .values(row)
    .onConflict((conflict) => conflict.column('user_id').doNothing())
    .executeTakeFirst()
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return pendingTotpEnrolment(db, secret, user, issuer)
  return enrolmentOf(key, user.email, issuer)
}

/** The pending enrolment's key as text and URI again (the page is shown again after a wrong code). */
export async function pendingTotpEnrolment(
  db: Kysely<Database>,
  secret: string,
  user: { id: string; email: string },
  issuer: string,
): Promise<TotpEnrolment | null> {
  const row = await db.selectFrom('totp_factors').selectAll().where('user_id', '=', user.id).executeTakeFirst()
  if (!row || row.confirmed_at) return null
  const key = unsealKey(secret, row.sealed_key)
  return key ? enrolmentOf(key, user.email, issuer) : null
}

/** The enrolment in progress, or a new one; null once an authenticator is confirmed. For the set-up pages. */
export async function enrolmentInProgress(
  db: Kysely<Database>,
  secret: string,
  user: { id: string; email: string },
  issuer: string,
): Promise<TotpEnrolment | null> {
  return (await pendingTotpEnrolment(db, secret, user, issuer)) ?? startTotpEnrolment(db, secret, user, issuer)
}

/**
 * Checks a code and, when it is right and of a step newer than the last accepted, records its
 * step in the same statement (two instances racing with one code: one wins). `confirm` accepts
 * the code of a pending enrolment and confirms it.
 */
export async function acceptTotpCode(
  db: Kysely<Database>,
  secret: string,
  userId: string,
  code: string,
  options: { confirm?: boolean; now?: number } = {},
): Promise<'accepted' | 'wrong' | 'replayed' | 'none'> {
  const now = options.now ?? Date.now()
  const row = await db.selectFrom('totp_factors').selectAll().where('user_id', '=', userId).executeTakeFirst()
  if (!row || Boolean(row.confirmed_at) === Boolean(options.confirm)) return 'none'
  const key = unsealKey(secret, row.sealed_key)
  const step = key ? matchingStep(key, code.replace(/\s/g, ''), now) : null
  if (step === null) return 'wrong'
  const result = await db
    .updateTable('totp_factors')
    .set({ last_step: step, confirmed_at: row.confirmed_at ?? now })
    .where('user_id', '=', userId)
    .where('last_step', '<', step)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1 ? 'accepted' : 'replayed'
}

export async function removeTotp(db: Kysely<Database>, userId: string): Promise<void> {
  await db.deleteFrom('totp_factors').where('user_id', '=', userId).execute()
}
