import 'server-only'
import { clampInt, type Db } from './filter'

/**
 * Retention: deletes the login requests created before `olderThan` and their events, a batch per
 * transaction so neither engine holds a long lock. Events older than the cutoff whose request was
 * never stored (a completion attempt for an unknown login request id) go too.
 */
export async function purgeLedger(
  db: Db,
  olderThan: number,
  options: { batchSize?: number } = {},
): Promise<{ loginRequests: number; events: number }> {
  const batchSize = clampInt(options.batchSize, 500, 1, 5000)
  const cutoff = Math.floor(olderThan)
  let loginRequests = 0
  let events = 0
  for (;;) {
    const ids = (
      await db.selectFrom('login_requests').select('id').where('created_at', '<', cutoff).orderBy('created_at').limit(batchSize).execute()
    ).map((row) => row.id)
    if (ids.length === 0) break
    await db.transaction().execute(async (trx) => {
      const deletedEvents = await trx.deleteFrom('login_events').where('login_request_id', 'in', ids).executeTakeFirst()
      const deletedRequests = await trx.deleteFrom('login_requests').where('id', 'in', ids).executeTakeFirst()
      events += Number(deletedEvents.numDeletedRows)
      loginRequests += Number(deletedRequests.numDeletedRows)
    })
    if (ids.length < batchSize) break
  }
  for (;;) {
    const ids = (
      await db
        .selectFrom('login_events as e')
        .select('e.id')
        .where('e.at', '<', cutoff)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('login_requests as r').select('r.id').whereRef('r.id', '=', 'e.login_request_id'))),
        )
        .limit(batchSize)
        .execute()
    ).map((row) => row.id)
    if (ids.length === 0) break
    const deleted = await db.deleteFrom('login_events').where('id', 'in', ids).executeTakeFirst()
    events += Number(deleted.numDeletedRows)
    if (ids.length < batchSize) break
  }
  return { loginRequests, events }
}
