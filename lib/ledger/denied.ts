import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'
import { recordLoginEvent } from './record'
import { claimantColumns, type Claimant } from './claim'
import { ledgerTransaction } from '../server/spans'

/**
 * The person who signed in may not use this server: the row says who and which rule failed, and
 * stays usable (status `denied`) for another account until it expires. Nothing reached Scalekit.
 */
export async function recordLoginDenied(
  db: Kysely<Database>,
  loginRequestId: string,
  denial: Claimant & { rule: string },
  now = Date.now(),
): Promise<void> {
  await ledgerTransaction(db, 'denied', loginRequestId, async (trx) => {
    const updated = await trx
      .updateTable('login_requests')
      .set({
        status: 'denied',
        updated_at: now,
        ...claimantColumns(denial),
        error_code: 'denied',
        error_message: denial.rule.slice(0, 500),
      })
      .where('id', '=', loginRequestId)
      .where('status', 'in', ['pending', 'denied'])
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) === 0) return
    await recordLoginEvent(
      trx,
      loginRequestId,
      'denied',
      { source: denial.source, email: denial.email, rule: denial.rule.slice(0, 300) },
      now,
    )
  })
}
