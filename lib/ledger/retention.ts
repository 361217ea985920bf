import 'server-only'
import type { SelectQueryBuilder } from 'kysely'
import type { Database } from '../db/schema'
import { clampInt, type Db } from './filter'

type RequestQuery = SelectQueryBuilder<Database, 'login_requests', { id: string }>

/** Deletes the login requests the query selects, with their events, a batch per transaction. */
async function deleteRequests(
  db: Db,
  select: (query: RequestQuery) => RequestQuery,
  batchSize: number,
): Promise<{ loginRequests: number; events: number }> {
  let loginRequests = 0
  let events = 0
  for (;;) {
    const ids = (await select(db.selectFrom('login_requests').select('id')).limit(batchSize).execute()).map((row) => row.id)
    if (ids.length === 0) break
    await db.transaction().execute(async (trx) => {
      const deletedEvents = await trx.deleteFrom('login_events').where('login_request_id', 'in', ids).executeTakeFirst()
      const deletedRequests = await trx.deleteFrom('login_requests').where('id', 'in', ids).executeTakeFirst()
      events += Number(deletedEvents.numDeletedRows)
      loginRequests += Number(deletedRequests.numDeletedRows)
    })
    if (ids.length < batchSize) break
  }
  return { loginRequests, events }
}

/** How long after its expiry a login request nobody touched is kept: long enough to look into a report. */
export const UNTOUCHED_GRACE_MS = 6 * 60 * 60 * 1000

/**
 * Deletes login requests that arrived and were never acted on (no sign-in, no error), some hours
 * after they expired, so a flood of GET /login leaves nothing behind for the full retention.
 */
export function purgeUntouched(
  db: Db,
  now = Date.now(),
  options: { batchSize?: number } = {},
): Promise<{ loginRequests: number; events: number }> {
  const batchSize = clampInt(options.batchSize, 500, 1, 5000)
  return deleteRequests(
    db,
    (query) =>
      query
        .where('status', 'in', ['pending', 'expired'])
        .where('signed_in_at', 'is', null)
        .where('error_code', 'is', null)
        .where('expires_at', '<', now - UNTOUCHED_GRACE_MS)
        .orderBy('expires_at'),
    batchSize,
  )
}

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
  const { loginRequests, events: requestEvents } = await deleteRequests(
    db,
    (query) => query.where('created_at', '<', cutoff).orderBy('created_at'),
    batchSize,
  )
  let events = requestEvents
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
