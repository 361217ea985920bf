import 'server-only'
import type { Kysely } from 'kysely'
import { getEnv } from '../env'
import { getDb } from '../db/client'
import type { Database } from '../db/schema'
import { checkState, hashState, type LoginRequestParams, type PendingMap } from './request'
import { findLoginRequest, recordLoginCompleted, recordLoginFailed, recordLoginRejected } from '../ledger/record'
import { claimLoginRequest, type Claimant } from '../ledger/claim'
import { toScalekitUser, type MappedIdentity } from '../sources/claims'
import { partnerCallbackUrl, type LoginUserDetails, type ScalekitOutcome } from '../scalekit/user-details'
import { earlierSubmissionUnanswered } from '../ledger/submissions'
import { PROBLEMS, type ProblemCode } from './problems'
import { problemSummary } from './problem-summary'
import { errorText, fingerprint, logEvent } from '../server/log'
import { inFlight } from '../server/shutdown'
import { recordLoginDenied } from '../ledger/denied'
import { bindingOf, findServer, type McpServer } from '../servers'
import { SECOND_FACTOR_RULE } from '../servers/policy'
import { decideAccessTraced, updateLoginUserDetailsTraced } from '../server/login-spans'
import { countDatabaseError, countLoginOutcome, observeCompletion } from '../server/metrics'

// Finishing a login request, the one place that talks to Scalekit on a person's behalf.
// Order matters: verify the browser's binding, take the request in the database (single use),
// then call Scalekit, and redirect to partner:callback only after Scalekit accepted.

export type CompletionResult = { ok: true; location: string } | { ok: false; problem: ProblemCode }

async function openLedger(): Promise<Kysely<Database> | null> {
  try {
    return await getDb()
  } catch (error) {
    logEvent('database_unavailable', { error: errorText(error) })
    countDatabaseError('login_complete')
    return null
  }
}

async function reject(db: Kysely<Database>, params: LoginRequestParams, problem: ProblemCode): Promise<CompletionResult> {
  logEvent('login_rejected', { cid: fingerprint(params.loginRequestId), problem })
  await recordLoginRejected(db, params.loginRequestId, { code: problem, message: problemSummary(problem) })
  countLoginOutcome(params.server, problem === 'expired' ? 'expired' : 'rejected', problem)
  return { ok: false, problem }
}

/** Why a claim found nothing to take: never seen, expired, or already finished. */
async function explainLostClaim(
  db: Kysely<Database>,
  params: LoginRequestParams,
  claim: { stateHash: string; serverKey: string },
  now: number,
): Promise<CompletionResult> {
  const row = await findLoginRequest(db, params.loginRequestId)
  if (!row) return reject(db, params, 'unknown_login_request')
  if (row.state_hash !== claim.stateHash) return reject(db, params, 'state_mismatch')
  if (row.server_key !== claim.serverKey) return reject(db, params, 'wrong_server')
  const open = row.status === 'pending' || row.status === 'denied'
  if (row.status === 'expired' || (open && row.expires_at <= now)) return reject(db, params, 'expired')
  return reject(db, params, 'already_used')
}

/** The browser's sealed binding, for the server whose endpoint or form is acting: the server, or why not. */
async function verifyBinding(
  db: Kysely<Database>,
  params: LoginRequestParams,
  pending: PendingMap,
  now: number,
): Promise<{ server: McpServer } | { refused: CompletionResult }> {
  const server = findServer(params.server)
  if (!server) return { refused: await reject(db, params, 'unknown_server') }
  const check = checkState(pending, params, now, getEnv().LOGIN_REQUEST_TTL_SECONDS, bindingOf(server))
  return check.ok ? { server } : { refused: await reject(db, params, check.problem) }
}

export interface CompletionInput {
  params: LoginRequestParams
  pending: PendingMap
  identity: MappedIdentity
  signedInAt: number
}

/**
 * Scalekit's outcome for this submission. A repeat refused after this submission's own answer was
 * lost is its completion (user-details.ts), unless an earlier submission of the request went
 * unanswered too: Scalekit might hold that one's update instead, so the request counts as closed.
 */
async function sendToScalekit(
  db: Kysely<Database>,
  server: McpServer,
  loginRequestId: string,
  details: LoginUserDetails,
): Promise<ScalekitOutcome> {
  const outcome = await updateLoginUserDetailsTraced(server, loginRequestId, details)
  if (!outcome.ok || !outcome.firstAnswerLost || !(await earlierSubmissionUnanswered(db, loginRequestId))) return outcome
  const detail = `${outcome.detail} (a repeat after a lost answer, but an earlier submission went unanswered too)`
  return { ok: false, problem: 'scalekit_closed', detail }
}

/**
 * The shared end of completing and cancelling: take the request (single use), make the Scalekit
 * call, record what happened, and only after Scalekit accepted, send the browser to partner:callback.
 */
async function submitClaimed(
  db: Kysely<Database>,
  params: LoginRequestParams,
  server: McpServer,
  now: number,
  claim: { claimant: Claimant | null; claims: LoginUserDetails; status: 'completed' | 'cancelled' },
): Promise<CompletionResult> {
  const begun = performance.now()
  const taken = { loginRequestId: params.loginRequestId, stateHash: hashState(params.state), serverKey: server.key }
  if (!(await claimLoginRequest(db, taken, claim.claimant, now))) return explainLostClaim(db, params, taken, now)
  const cid = fingerprint(params.loginRequestId)
  logEvent('login_submitted', { cid, server: server.key, source: claim.claimant?.source, status: claim.status })
  const started = Date.now()
  const outcome = await sendToScalekit(db, server, params.loginRequestId, claim.claims)
  const ms = Date.now() - started
  if (!outcome.ok) {
    const retryable = PROBLEMS[outcome.problem].retryable === true
    logEvent('scalekit_refused', { cid, problem: outcome.problem, detail: outcome.detail, ms })
    await recordLoginFailed(db, params.loginRequestId, { code: outcome.problem, message: outcome.detail, retryable })
    countLoginOutcome(server.key, 'failed', outcome.problem)
    observeCompletion('failed', begun)
    return { ok: false, problem: outcome.problem }
  }
  // Scalekit has the update: the person goes on even if this last ledger write fails (it is logged).
  const note = outcome.firstAnswerLost ? ('first_answer_lost' as const) : undefined
  await recordLoginCompleted(db, params.loginRequestId, {
    authRequestId: outcome.authRequestId,
    claims: claim.claims,
    status: claim.status,
    note,
  }).catch((error: unknown) => logEvent('ledger_error', { cid, error: errorText(error) }))
  countLoginOutcome(server.key, claim.status)
  observeCompletion(claim.status, begun)
  logEvent(claim.status === 'completed' ? 'login_completed' : 'login_cancelled', {
    cid,
    server: server.key,
    source: claim.claimant?.source,
    ms,
    note,
    detail: outcome.firstAnswerLost ? outcome.detail : undefined,
  })
  return { ok: true, location: partnerCallbackUrl(server.environment.environmentUrl, server.connectionId, params.state) }
}

/** Runs one completing step against the ledger; the ledger failing closes it with a 503 page. */
async function withLedger(
  params: LoginRequestParams,
  step: (db: Kysely<Database>) => Promise<CompletionResult>,
): Promise<CompletionResult> {
  const db = await openLedger()
  if (!db) return { ok: false, problem: 'database_unavailable' }
  try {
    return await step(db)
  } catch (error) {
    logEvent('ledger_error', { cid: fingerprint(params.loginRequestId), error: errorText(error) })
    countDatabaseError('login_complete')
    return { ok: false, problem: 'database_unavailable' }
  }
}

// Each counts as in flight until answered: a graceful shutdown (SIGTERM) waits for it.
export const completeLogin = (input: CompletionInput, now = Date.now()) => inFlight(() => completeNow(input, now))
export const cancelLogin = (params: LoginRequestParams, pending: PendingMap, now = Date.now()) =>
  inFlight(() => cancelNow(params, pending, now))

function completeNow(input: CompletionInput, now: number): Promise<CompletionResult> {
  const { params } = input
  return withLedger(params, async (db) => {
    const bound = await verifyBinding(db, params, input.pending, now)
    if ('refused' in bound) return bound.refused

    const { identity } = input
    const mapped = identity.ok ? toScalekitUser(identity.profile, { namespaceSubjects: getEnv().namespaceSubjects }) : identity
    const source = identity.ok ? identity.profile.source : identity.source
    if (!mapped.ok) {
      // A profile the source gave but Scalekit could not take: closed, since trying again gives the same profile.
      logEvent('profile_invalid', { cid: fingerprint(params.loginRequestId), source, issues: mapped.issues.join('; ') })
      await recordLoginFailed(db, params.loginRequestId, {
        code: 'invalid_profile',
        message: `${source}: ${mapped.issues.join('; ')}`,
        retryable: false,
      })
      countLoginOutcome(bound.server.key, 'failed', 'invalid_profile')
      return { ok: false, problem: 'invalid_profile' }
    }
    const amr = identity.ok ? identity.profile.amr : undefined
    const claimant = { source, sub: mapped.user.sub, email: mapped.user.email, signedInAt: input.signedInAt, amr }
    // mapped.ok implies identity.ok: the policy reads the source's own profile (groups, roles, verified email).
    const decision = identity.ok ? decideAccessTraced(bound.server, identity.profile) : { allowed: true as const }
    if (!decision.allowed) return deny(db, params, bound.server, { ...claimant, rule: decision.rule })
    return submitClaimed(db, params, bound.server, now, { claimant, claims: mapped.user, status: 'completed' })
  })
}

/** Signed in, but not allowed on this server: recorded, nothing sent, the request stays open for another account. */
async function deny(
  db: Kysely<Database>,
  params: LoginRequestParams,
  server: McpServer,
  denial: Claimant & { rule: string },
): Promise<CompletionResult> {
  logEvent('login_denied', { cid: fingerprint(params.loginRequestId), server: server.key, source: denial.source, rule: denial.rule })
  await recordLoginDenied(db, params.loginRequestId, denial)
  const problem = denial.rule === SECOND_FACTOR_RULE ? 'second_factor_required' : 'access_denied'
  countLoginOutcome(server.key, 'denied', problem)
  return { ok: false, problem }
}

/** The person gave up: Scalekit hears loginFailed, and the MCP client gets an answer instead of waiting. */
function cancelNow(params: LoginRequestParams, pending: PendingMap, now: number): Promise<CompletionResult> {
  return withLedger(params, async (db) => {
    const bound = await verifyBinding(db, params, pending, now)
    if ('refused' in bound) return bound.refused
    return submitClaimed(db, params, bound.server, now, { claimant: null, claims: { loginFailed: true }, status: 'cancelled' })
  })
}

/** A completing POST that did not come from our own page: refused before anything else happens. */
export async function rejectCrossSite(params: LoginRequestParams, origin: string | null): Promise<void> {
  logEvent('cross_site_rejected', { cid: fingerprint(params.loginRequestId), origin: origin ?? 'none' })
  const db = await openLedger()
  if (db) {
    await recordLoginRejected(db, params.loginRequestId, { code: 'cross_site', message: problemSummary('cross_site') }).catch(() => {})
  }
  countLoginOutcome(params.server, 'rejected', 'cross_site')
}
