import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'

// The sign-in factors of users as the admin area shows them: counts only, never a key or a code.

export interface FactorSummary {
  /** A password is set (false for an invited user who has not used their link yet). */
  password: boolean
  /** An authenticator app whose enrolment was confirmed. */
  authenticator: boolean
  passkeys: number
  /** Recovery codes not used yet. */
  recoveryCodesLeft: number
}

export async function loadFactorSummaries(
  db: Kysely<Database>,
  users: ReadonlyArray<{ id: string; invited: boolean }>,
): Promise<Map<string, FactorSummary>> {
  const summaries = new Map<string, FactorSummary>(
    users.map((user) => [user.id, { password: !user.invited, authenticator: false, passkeys: 0, recoveryCodesLeft: 0 }]),
  )
  if (users.length === 0) return summaries
  const ids = users.map((user) => user.id)
  const [totp, passkeys, codes] = await Promise.all([
    db.selectFrom('totp_factors').select('user_id').where('user_id', 'in', ids).where('confirmed_at', 'is not', null).execute(),
    db
      .selectFrom('passkeys')
      .select(['user_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('user_id', 'in', ids)
      .groupBy('user_id')
      .execute(),
    db
      .selectFrom('recovery_codes')
      .select(['user_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('user_id', 'in', ids)
      .where('used_at', 'is', null)
      .groupBy('user_id')
      .execute(),
  ])
  for (const row of totp) summaries.get(row.user_id)!.authenticator = true
  for (const row of passkeys) summaries.get(row.user_id)!.passkeys = Number(row.n)
  for (const row of codes) summaries.get(row.user_id)!.recoveryCodesLeft = Number(row.n)
  return summaries
}

/** "password, authenticator, 2 passkeys, 10 recovery codes"; "none yet" for an invited user with nothing. */
export function describeFactors(summary: FactorSummary): string {
  const parts = [
    summary.password ? 'password' : '',
    summary.authenticator ? 'authenticator' : '',
    summary.passkeys ? `${summary.passkeys} passkey${summary.passkeys === 1 ? '' : 's'}` : '',
    summary.recoveryCodesLeft ? `${summary.recoveryCodesLeft} recovery code${summary.recoveryCodesLeft === 1 ? '' : 's'}` : '',
  ].filter(Boolean)
  return parts.length ? parts.join(', ') : 'none yet'
}
