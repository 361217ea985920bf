import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema'

// Retention of the audit outbox (`npm run ledger -- purge`): deliveries delivered before the
// cutoff go, and then their events once no receiver still needs them. Pending and failed
// deliveries stay whatever their age: the first are still owed, the second are shown until redelivered.

/** Deletes what was delivered before `olderThan`, a batch per transaction; returns how many events went. */
export async function purgeDeliveredAuditEvents(db: Kysely<Database>, olderThan: number, batchSize = 500): Promise<number> {
  let events = 0
  for (;;) {
    const seqs = (
      await db
        .selectFrom('audit_events as e')
        .select('e.seq')
        .where('e.created_at', '<', olderThan)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('audit_deliveries as d')
                .select('d.event_seq')
                .whereRef('d.event_seq', '=', 'e.seq')
                .where((eb) => eb.or([eb('d.status', '!=', 'delivered'), eb('d.delivered_at', '>=', olderThan)])),
            ),
          ),
        )
        .orderBy('e.seq')
        .limit(batchSize)
        .execute()
    ).map((row) => Number(row.seq))
    if (seqs.length === 0) break
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('audit_deliveries').where('event_seq', 'in', seqs).execute()
      const deleted = await trx.deleteFrom('audit_events').where('seq', 'in', seqs).executeTakeFirst()
      events += Number(deleted.numDeletedRows)
    })
    if (seqs.length < batchSize) break
  }
  return events
}
