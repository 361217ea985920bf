import 'server-only'
import type { Kysely } from 'kysely'
import type { Database, Passkey } from '../db/schema'

export interface Factors {
  /** A confirmed authenticator app. */
  totp: boolean
  recoveryCodesLeft: number
  passkeys: Passkey[]
}

export async function factorsOf(db: Kysely<Database>, userId: string): Promise<Factors> {
  const [totp, codes, passkeys] = await Promise.all([
    db.selectFrom('totp_factors').select('confirmed_at').where('user_id', '=', userId).executeTakeFirst(),
    db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number | string>().as('left'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirst(),
    db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute(),
  ])
  return { totp: Boolean(totp?.confirmed_at), recoveryCodesLeft: Number(codes?.left ?? 0), passkeys }
}

/**
 * What a password sign-in must be followed by: an authenticator code when the user has one (or
 * recovery codes left), enrolment when a second factor is required and they have none. A passkey
 * is a sign-in of its own (with user verification, two factors in one), not a second step.
 */
export function secondStepAfterPassword(factors: Factors, required: boolean): 'code' | 'enrol' | 'passkey' | null {
  if (factors.totp || factors.recoveryCodesLeft > 0) return 'code'
  if (required && factors.passkeys.length === 0) return 'enrol'
  if (required) return 'passkey'
  return null
}
