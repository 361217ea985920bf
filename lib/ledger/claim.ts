import 'server-only'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/schema'
import { recordLoginEvent } from './record'
import { ledgerTransaction } from '../server/spans'

// Taking a login request for its one completion (or its cancel): who, and how they signed in.

type Db = Kysely<Database>

/** On a cancel, a denial's reason stays on the row; any other earlier problem is cleared. */
const keepDenial = {
  error_code: sql<string | null>`case when status = 'denied' then error_code else null end`,
  error_message: sql<string | null>`case when status = 'denied' then error_message else null end`,
}

/** Who is completing the request; absent when the person cancels. */
export interface Claimant {
  source: string
  sub: string
  email: string
  signedInAt: number
  /** How they signed in (RFC 8176 values), when the source said. */
  amr?: string[]
}

/** The row's columns that say who signed in, when and how (the methods space-separated, or null). */
export function claimantColumns(claimant: Claimant) {
  return {
    signed_in_at: claimant.signedInAt,
    identity_source: claimant.source,
    user_sub: claimant.sub,
    user_email: claimant.email,
    auth_methods: claimant.amr?.length ? claimant.amr.join(' ').slice(0, 200) : null,
  }
}

/**
 * Takes a pending (or denied), unexpired login request for one completion (single use, atomic
 * across instances: a double submit, a replay or a second instance finds nothing left to take),
 * only with the state and for the server it first arrived with: someone who knows only the id
 * cannot use it up with a state of their own, nor through another server.
 */
export async function claimLoginRequest(
  db: Db,
  request: { loginRequestId: string; stateHash: string; serverKey: string },
  claimant: Claimant | null,
  now = Date.now(),
): Promise<boolean> {
  const { loginRequestId } = request
  return ledgerTransaction(db, 'claimed', loginRequestId, async (trx) => {
    const result = await trx
      .updateTable('login_requests')
      .set({
        status: 'submitting',
        submitted_at: now,
        updated_at: now,
        ...(claimant ? claimantColumns(claimant) : {}),
        // A cancel after a denial keeps why the request ended: the person was refused, then gave up.
        ...(claimant ? { error_code: null, error_message: null } : keepDenial),
      })
      .where('id', '=', loginRequestId)
      .where('state_hash', '=', request.stateHash)
      .where('server_key', '=', request.serverKey)
      .where('status', 'in', ['pending', 'denied'])
      .where('expires_at', '>', now)
      .executeTakeFirst()
    const claimed = Number(result.numUpdatedRows) === 1
    if (claimed && claimant) {
      await recordLoginEvent(trx, loginRequestId, 'signed_in', { source: claimant.source, email: claimant.email }, claimant.signedInAt)
      await recordLoginEvent(trx, loginRequestId, 'submitted', undefined, now)
    }
    return claimed
  })
}
