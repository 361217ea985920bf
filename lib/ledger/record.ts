import 'server-only'
import { sql, type Kysely } from 'kysely'
import type { Database, LoginRequestRow, LoginRequestsTable, LoginStatus } from '../db/schema'
import type { ScalekitUser } from '../sources/claims'
import { enqueueLoginEvent } from './outbox/events'
import { ledgerTransaction } from '../server/spans'

// The life of every login request: one row per login_request_id plus its events. Nothing secret
// is stored: the state only as its SHA-256, never a password or token.

type Db = Kysely<Database>

export type LoginEventType =
  | 'received'
  | 'signed_in'
  | 'sign_in_failed'
  | 'submitted'
  | 'completed'
  | 'failed'
  | 'retryable_error'
  | 'rejected'
  | 'cancelled'
  | 'expired'
  | 'denied'

/** One step of a login request; `db` is the step's transaction, which also writes its audit event (lib/ledger/outbox). */
export async function recordLoginEvent(
  db: Db,
  loginRequestId: string,
  type: LoginEventType,
  detail?: Record<string, unknown>,
  at = Date.now(),
): Promise<void> {
  await db
    .insertInto('login_events')
    .values({ login_request_id: loginRequestId, at, type, detail: detail ? JSON.stringify(detail) : null })
    .execute()
  await enqueueLoginEvent(db, loginRequestId, type, detail, at)
}

/** A login request as it arrives: pending, with nothing known yet but itself and the browser. */
export function newLoginRequestRow(input: {
  id: string
  connectionId: string
  serverKey: string
  stateHash: string
  createdAt: number
  expiresAt: number
  ip: string | null
  userAgent: string | null
}): LoginRequestsTable {
  return {
    id: input.id,
    connection_id: input.connectionId,
    server_key: input.serverKey,
    state_hash: input.stateHash,
    status: 'pending',
    created_at: input.createdAt,
    updated_at: input.createdAt,
    expires_at: input.expiresAt,
    signed_in_at: null,
    submitted_at: null,
    finished_at: null,
    identity_source: null,
    user_sub: null,
    user_email: null,
    auth_methods: null,
    auth_request_id: null,
    error_code: null,
    error_message: null,
    ip: input.ip,
    user_agent: input.userAgent,
    claims: null,
    reported_at: null,
  }
}

export interface ReceivedLogin {
  loginRequestId: string
  connectionId: string
  serverKey: string
  stateHash: string
  ttlSeconds: number
  ip: string | null
  userAgent: string | null
}

/** Records the arrival of a login request; a reload of the same page keeps the first row. */
export async function recordLoginReceived(db: Db, input: ReceivedLogin, now = Date.now()): Promise<LoginRequestRow> {
  await ledgerTransaction(db, 'received', input.loginRequestId, async (trx) => {
    const inserted = await trx
      .insertInto('login_requests')
      .values(
        newLoginRequestRow({
          id: input.loginRequestId,
          connectionId: input.connectionId,
          serverKey: input.serverKey,
          stateHash: input.stateHash,
          createdAt: now,
          expiresAt: now + input.ttlSeconds * 1000,
          ip: input.ip?.slice(0, 64) ?? null,
          userAgent: input.userAgent?.slice(0, 512) ?? null,
        }),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst()
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
      await recordLoginEvent(trx, input.loginRequestId, 'received', { ip: input.ip, userAgent: input.userAgent?.slice(0, 200) }, now)
    }
  })
  return db.selectFrom('login_requests').selectAll().where('id', '=', input.loginRequestId).executeTakeFirstOrThrow()
}

export function findLoginRequest(db: Db, loginRequestId: string): Promise<LoginRequestRow | undefined> {
  return db.selectFrom('login_requests').selectAll().where('id', '=', loginRequestId).executeTakeFirst()
}

/**
 * Scalekit has the update: the request is completed (or cancelled). `note` says how the bridge
 * knows when it is not from Scalekit's answer (`first_answer_lost`: the answer to the update was
 * lost, and Scalekit refused its repeat as already done, so no authRequestId came back).
 */
export async function recordLoginCompleted(
  db: Db,
  loginRequestId: string,
  outcome: {
    authRequestId: string | null
    claims: ScalekitUser | { loginFailed: true }
    status: Extract<LoginStatus, 'completed' | 'cancelled'>
    note?: 'first_answer_lost'
  },
  now = Date.now(),
): Promise<void> {
  await ledgerTransaction(db, outcome.status, loginRequestId, async (trx) => {
    await trx
      .updateTable('login_requests')
      .set({
        status:
          outcome.status === 'cancelled'
            ? sql<LoginStatus>`case when error_code = 'denied' then 'denied' else 'cancelled' end`
            : outcome.status,
        finished_at: now,
        updated_at: now,
        auth_request_id: outcome.authRequestId || null,
        claims: JSON.stringify(outcome.claims),
      })
      .where('id', '=', loginRequestId)
      .execute()
    const detail = outcome.note ? { authRequestId: outcome.authRequestId, note: outcome.note } : { authRequestId: outcome.authRequestId }
    await recordLoginEvent(trx, loginRequestId, outcome.status, detail, now)
  })
}

/**
 * Keeps why a step did not go through on the row (while its status is one of `from`), with its
 * event, in one transaction: the shared end of a failed submission, a rejection and a sign-in
 * that did not produce a person.
 */
async function recordProblem(
  db: Db,
  loginRequestId: string,
  problem: { code: string; message: string; from: LoginStatus[]; set?: Partial<Pick<LoginRequestRow, 'status' | 'finished_at'>> },
  event: { type: LoginEventType; detail: Record<string, unknown> },
  now: number,
): Promise<void> {
  await ledgerTransaction(db, event.type, loginRequestId, async (trx) => {
    const updated = await trx
      .updateTable('login_requests')
      .set({ updated_at: now, error_code: problem.code, error_message: problem.message.slice(0, 500), ...problem.set })
      .where('id', '=', loginRequestId)
      .where('status', 'in', problem.from)
      .executeTakeFirst()
    // An id nobody received is made up: it gets no events, so a flood of them fills no ledger.
    if (Number(updated.numUpdatedRows) === 0 && !(await findLoginRequest(trx, loginRequestId))) return
    await recordLoginEvent(trx, loginRequestId, event.type, event.detail, now)
  })
}

/**
 * A failed submission. A passing cause (timeout, Scalekit down) returns the request to pending so
 * the person can try again; anything else closes it.
 */
export async function recordLoginFailed(
  db: Db,
  loginRequestId: string,
  failure: { code: string; message: string; retryable: boolean },
  now = Date.now(),
): Promise<void> {
  await recordProblem(
    db,
    loginRequestId,
    {
      ...failure,
      // A finished request keeps its outcome; a late failure of another attempt is only an event.
      from: ['pending', 'submitting'],
      set: { status: failure.retryable ? 'pending' : 'failed', finished_at: failure.retryable ? null : now },
    },
    { type: failure.retryable ? 'retryable_error' : 'failed', detail: { code: failure.code, message: failure.message.slice(0, 300) } },
    now,
  )
}

/**
 * A completion attempt refused before anything reached Scalekit (no cookie, state mismatch,
 * cross-site, reuse). The reason is kept on a pending row, but a forged attempt must not close
 * the real request, so only expiry changes the status.
 */
export async function recordLoginRejected(
  db: Db,
  loginRequestId: string,
  rejection: { code: string; message: string },
  now = Date.now(),
): Promise<void> {
  const expired = rejection.code === 'expired'
  await recordProblem(
    db,
    loginRequestId,
    { ...rejection, from: ['pending', 'denied'], set: expired ? { status: 'expired', finished_at: now } : {} },
    { type: expired ? 'expired' : 'rejected', detail: { code: rejection.code } },
    now,
  )
}

/**
 * A sign-in that did not produce a person (refused credentials, a source that did not answer, a
 * denial at the IdP). Nothing reached Scalekit and the person may try again, so the request stays
 * pending; the reason is kept for the admin.
 */
export async function recordSignInFailed(
  db: Db,
  loginRequestId: string,
  failure: { source: string; code: string; message: string },
  now = Date.now(),
): Promise<void> {
  await recordProblem(
    db,
    loginRequestId,
    { code: failure.code, message: failure.message, from: ['pending', 'denied'] },
    { type: 'sign_in_failed', detail: { source: failure.source, code: failure.code, message: failure.message.slice(0, 300) } },
    now,
  )
}

export function listLoginEvents(db: Db, loginRequestId: string) {
  return db.selectFrom('login_events').selectAll().where('login_request_id', '=', loginRequestId).orderBy('at').orderBy('id').execute()
}
