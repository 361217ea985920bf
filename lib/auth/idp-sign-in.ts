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
import { beginSourceIntent, endSourceIntent, readSourceIntent, resumePath } from '../login/idp-round-trip'
import { problemPath } from '../login/problems'

// The two ends of a sign-in at an upstream IdP that happen outside the login page: leaving for the
// IdP, and a failure there, recorded against the login request the person left from.

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

/** Builds the IdP's authorization URL (discovery, PKCE, state, nonce), remembering where to come back to. */
export async function startIdpSignIn(params: LoginRequestParams, source: SourceOfType<'oidc'>): Promise<IdpStart> {
  const intent = await beginSourceIntent(params, source.id)
  const { value, thrown, captured } = await withSignInCapture(() => signIn(source.id, { redirectTo: resumePath(intent), redirect: false }))
  const failure = thrown ?? captured.error
  if (failure !== undefined || typeof value !== 'string' || isSourceErrorPage(value)) {
    return { ok: false, ...classifyIdpError(failure) }
  }
  return { ok: true, location: value }
}

/**
 * The IdP sent the person back with an error, or its answer did not pass the checks: record it
 * against the login request the person left from, and say where to send them. Without the sealed
 * intent, this browser did not start the sign-in here.
 */
export async function recordIdpFailure(error: unknown, returnedError?: string | null): Promise<string> {
  const intent = await readSourceIntent()
  if (!intent) return problemPath('no_session')
  await endSourceIntent()
  const { problem, detail } = classifyIdpError(error, returnedError)
  await recordSourceFailure(intent.params, intent.source, problem, detail)
  return problemPath(problem, intent.params)
}

export { isSourceErrorPage }
