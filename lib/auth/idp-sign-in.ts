import 'server-only'
import { getEnv } from '../env'
import { getDb } from '../db/client'
import { signIn, SOURCE_ERROR_PATH } from './config'
import { withSignInCapture } from './capture'
import { classifyIdpError } from './errors'
import type { SourceOfType } from '../sources/config'
import { recordSignInFailed } from '../ledger/record'
import { errorText, fingerprint, logEvent } from '../server/log'
import type { ProblemCode } from '../login/problems'
import type { LoginRequestParams } from '../login/request'
import {
  beginSourceIntent,
  endFreshIdpSignIn,
  endSourceIntent,
  readSourceIntent,
  resumePath,
  wantsFreshIdpSignIn,
} from '../login/idp-round-trip'
import { problemPath } from '../login/problems'
import { adminProblemFor, adminProblemPath } from '../admin/problems'
import { beginAdminSignIn, endAdminSignIn, readAdminSignIn } from '../admin/sign-in-intent'
import { countSignIn } from '../server/metrics'

// The two ends of a sign-in at an upstream IdP that happen outside the login page: leaving for the
// IdP, and a failure there, recorded against the login request the person left from (or, for a
// sign-in started at the admin area, explained on the admin area's own page).

/** A sign-in that produced nobody: the ledger keeps why, the request stays open for another try. */
export async function recordSourceFailure(
  params: LoginRequestParams,
  source: string,
  code: ProblemCode | 'credentials_refused' | 'throttled',
  detail: string,
): Promise<void> {
  logEvent('sign_in_failed', { cid: fingerprint(params.loginRequestId), source, code, detail })
  try {
    await recordSignInFailed(await getDb(), params.loginRequestId, { source, code, message: detail })
  } catch (error) {
    logEvent('ledger_error', { cid: fingerprint(params.loginRequestId), error: errorText(error) })
  }
}

function isSourceErrorPage(location: string): boolean {
  try {
    return new URL(location, getEnv().APP_URL).pathname === SOURCE_ERROR_PATH
  } catch {
    return false
  }
}

export type IdpStart = { ok: true; location: string } | { ok: false; problem: ProblemCode; detail: string }

/** Builds the IdP's authorization URL (discovery, PKCE, state, nonce) with Auth.js; `fresh` adds prompt=login. */
async function leaveForIdp(source: SourceOfType<'oidc'>, redirectTo: string, fresh = false): Promise<IdpStart> {
  const authorization = fresh ? { prompt: 'login' } : undefined
  const { value, thrown, captured } = await withSignInCapture(() => signIn(source.id, { redirectTo, redirect: false }, authorization))
  const failure = thrown ?? captured.error
  if (failure !== undefined || typeof value !== 'string' || isSourceErrorPage(value)) {
    countSignIn(source.id, 'error')
    return { ok: false, ...classifyIdpError(failure) }
  }
  return { ok: true, location: value }
}

/** Leaves for the IdP from a login request, remembering where to come back to. */
export async function startIdpSignIn(params: LoginRequestParams, source: SourceOfType<'oidc'>): Promise<IdpStart> {
  const intent = await beginSourceIntent(params, source.id)
  // After "Use another account", the IdP must not hand back the account just left.
  const fresh = await wantsFreshIdpSignIn(source.id)
  const started = await leaveForIdp(source, resumePath(intent), fresh)
  if (started.ok && fresh) await endFreshIdpSignIn()
  return started
}

/**
 * Leaves for the IdP from the admin sign-in page; Auth.js comes back to /admin. A login request's
 * intent left from an earlier, abandoned round trip is dropped: only the sign-in started last can
 * come back (Auth.js keeps one state cookie), and it must not be taken for that request's.
 */
export async function startAdminIdpSignIn(source: SourceOfType<'oidc'>): Promise<IdpStart> {
  if (await readSourceIntent()) await endSourceIntent()
  await beginAdminSignIn(source.id)
  const started = await leaveForIdp(source, '/admin')
  if (!started.ok) {
    await endAdminSignIn()
    logEvent('admin_sign_in_failed', { source: source.id, code: started.problem, detail: started.detail })
  }
  return started
}

/** A failure of an IdP sign-in started at the admin area: the admin area's page; no ledger row is involved. */
async function adminIdpFailure(error: unknown, returnedError?: string | null): Promise<string | null> {
  const started = await readAdminSignIn()
  if (!started) return null
  await endAdminSignIn()
  const { problem, detail } = classifyIdpError(error, returnedError)
  logEvent('admin_sign_in_failed', { source: started.source, code: problem, detail })
  countSignIn(started.source, problem === 'idp_denied' ? 'refused' : 'error')
  return adminProblemPath(adminProblemFor(problem))
}

/**
 * Where a refused cross-site answer goes: the admin area's page when the browser has only an admin
 * sign-in under way. Nothing is ended: the real sign-in may still come back.
 */
export async function crossSitePath(): Promise<string> {
  if (!(await readSourceIntent()) && (await readAdminSignIn())) return adminProblemPath('cross_site')
  return problemPath('cross_site')
}

/**
 * The IdP sent the person back with an error, or its answer did not pass the checks: record it
 * against the login request the person left from, and say where to send them. Without the sealed
 * intent, this browser did not start the sign-in here, or started it at the admin area.
 */
export async function recordIdpFailure(error: unknown, returnedError?: string | null): Promise<string> {
  const intent = await readSourceIntent()
  if (!intent) return (await adminIdpFailure(error, returnedError)) ?? problemPath('no_session')
  await endSourceIntent()
  const { problem, detail } = classifyIdpError(error, returnedError)
  countSignIn(intent.source, problem === 'idp_denied' ? 'refused' : 'error')
  await recordSourceFailure(intent.params, intent.source, problem, detail)
  return problemPath(problem, intent.params)
}

export { isSourceErrorPage }
