import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'

/** Problems of a submission whose update Scalekit may have applied all the same: no answer came. */
const UNANSWERED = new Set(['scalekit_timeout', 'scalekit_unavailable'])

function problemCodeOf(detail: string | null): unknown {
  try {
    return detail ? (JSON.parse(detail) as { code?: unknown }).code : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether an earlier submission of this login request ended without Scalekit's answer (a timeout,
 * an outage, after its retries): Scalekit may hold that submission's update, which need not be
 * the one being sent now (another account, or a cancel).
 */
export async function earlierSubmissionUnanswered(db: Kysely<Database>, loginRequestId: string): Promise<boolean> {
  const events = await db
    .selectFrom('login_events')
    .select('detail')
    .where('login_request_id', '=', loginRequestId)
    .where('type', '=', 'retryable_error')
    .execute()
  return events.some((event) => UNANSWERED.has(problemCodeOf(event.detail) as string))
}
