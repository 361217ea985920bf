import 'server-only'
import { getEnv } from '../env'
import { getDb } from '../db/client'
import { errorText, fingerprint, logEvent } from '../server/log'
import { findLoginRequest, recordLoginReceived, recordLoginRejected } from '../ledger/record'
import { admitNewLoginRequest } from '../auth/throttle'
import { hashState, type LoginRequestParams } from './request'
import type { McpServer } from '../servers/config'
import type { ProblemCode } from './problems'
import { problemSummary } from './problem-summary'
import { countDatabaseError, countLoginOutcome, countLoginReceived } from '../server/metrics'

export interface Arrival {
  /** The TCP peer's address, as lib/server/startup.ts stamps it (never a client-sent header). */
  ip: string | null
  userAgent: string | null
}

/** `expiresAt`: when the request can no longer be signed in (ms), which the page tells the person. */
export type Reception = { ok: true; expiresAt: number } | { ok: false; problem: ProblemCode }

/**
 * Records a login request arriving at /login in the ledger (once per id) and says whether it can
 * still be signed in. Fails closed: without its ledger row, no login goes on.
 */
export async function receiveLoginRequest(
  params: LoginRequestParams,
  server: McpServer,
  arrival: Arrival,
  arrived = Date.now(),
): Promise<Reception> {
  const env = getEnv()
  const cid = fingerprint(params.loginRequestId)
  try {
    const db = await getDb()
    // A reload finds its row and writes nothing; only a new request counts against its address.
    const existing = await findLoginRequest(db, params.loginRequestId)
    if (!existing && !(await admitNewLoginRequest(db, arrival.ip, env.NEW_LOGIN_REQUESTS_PER_ADDRESS))) {
      logEvent('login_request_refused', { cid, reason: 'too_many_requests' })
      countLoginOutcome(server.key, 'rejected', 'too_many_requests')
      return { ok: false, problem: 'too_many_requests' }
    }
    const row =
      existing ??
      (await recordLoginReceived(db, {
        loginRequestId: params.loginRequestId,
        connectionId: server.connectionId,
        serverKey: server.key,
        stateHash: hashState(params.state),
        ttlSeconds: env.LOGIN_REQUEST_TTL_SECONDS,
        ip: arrival.ip,
        userAgent: arrival.userAgent,
      }))
    if (row.created_at >= arrived) {
      logEvent('login_received', { cid, server: server.key })
      countLoginReceived(server.key)
    }
    if (row.server_key !== server.key) {
      logEvent('login_rejected', { cid, problem: 'wrong_server', server: server.key })
      await recordLoginRejected(db, params.loginRequestId, { code: 'wrong_server', message: `opened through ${server.key}'s endpoint` })
      countLoginOutcome(server.key, 'rejected', 'wrong_server')
      return { ok: false, problem: 'wrong_server' }
    }
    const open = row.status === 'pending' || row.status === 'denied'
    if (open && row.expires_at <= Date.now()) {
      await recordLoginRejected(db, params.loginRequestId, { code: 'expired', message: problemSummary('expired') })
      countLoginOutcome(server.key, 'expired', 'expired')
      return { ok: false, problem: 'expired' }
    }
    if (row.status === 'expired') return { ok: false, problem: 'expired' }
    if (!open) return { ok: false, problem: 'already_used' }
    return { ok: true, expiresAt: row.expires_at }
  } catch (error) {
    logEvent('database_unavailable', { cid, error: errorText(error) })
    countDatabaseError('login_receive')
    return { ok: false, problem: 'database_unavailable' }
  }
}
