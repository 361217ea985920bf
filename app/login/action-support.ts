import 'server-only'
import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getEnv } from '@/lib/env'
import { findSource } from '@/lib/auth/providers'
import type { MappedIdentity } from '@/lib/sources/claims'
import { readPending, forgetPending } from '@/lib/login/cookie'
import { completeLogin, rejectCrossSite, type CompletionResult } from '@/lib/login/complete'
import { problemPath, type ProblemCode } from '@/lib/login/problems'
import { isSameOriginPost } from '@/lib/server/headers'
import { recordSourceFailure } from '@/lib/auth/idp-sign-in'
import { seenLongEnough } from '@/lib/login/served-at'
import { fingerprint, logEvent } from '@/lib/server/log'
import type { LoginRequestParams, PendingMap } from '@/lib/login/request'
import { loginRequestFrom } from './params'
import { findServer, offers } from '@/lib/servers'
import { traceCompletion } from '@/lib/server/login-spans'
import { watchLocalSignIn } from '@/lib/login/sign-in-watch'

// What the login page's server actions share: reading and checking the login request a form
// acts on, and ending with the completed login or its problem page.

/**
 * Every completing action is a public endpoint: it re-reads the login request from the form,
 * and refuses a POST whose Origin is not this bridge (cross-site, null or missing).
 */
export async function readRequest(form: FormData): Promise<LoginRequestParams> {
  const parsed = loginRequestFrom(form.get('login_request_id'), form.get('state'), form.get('server'))
  if (!parsed.ok) redirect(problemPath(parsed.problem))
  const h = await headers()
  const origin = h.get('origin')
  if (!isSameOriginPost(origin, h.get('sec-fetch-site'), getEnv().APP_URL)) {
    await rejectCrossSite(parsed.params, origin)
    redirect(problemPath('cross_site'))
  }
  return parsed.params
}

/** The server the form acts for and the identity source it names, which that server must offer. */
export function offeredSource(params: LoginRequestParams, sourceId: unknown) {
  const server = findServer(params.server)
  if (!server) redirect(problemPath('unknown_server'))
  const source = findSource(sourceId)
  return source && offers(server, source.id) ? source : undefined
}

/**
 * A completing click ("Continue as", "Sign in with ...") counts only once its page could have been
 * seen for a moment (lib/login/served-at.ts): otherwise the page asks to click again.
 */
export function requireSeen(params: LoginRequestParams, form: FormData): void {
  if (seenLongEnough(getEnv().SESSION_SECRET, params.loginRequestId, form.get('served'))) return
  logEvent('click_too_soon', { cid: fingerprint(params.loginRequestId) })
  redirect(problemPath('click_again', params))
}

export async function finish(result: CompletionResult, params: LoginRequestParams, pending: PendingMap): Promise<never> {
  if (result.ok) {
    await forgetPending(pending, params.loginRequestId)
    redirect(result.location)
  }
  redirect(problemPath(result.problem, params))
}

export async function complete(params: LoginRequestParams, identity: MappedIdentity, signedInAt: number): Promise<never> {
  const pending = await readPending()
  const result = await traceCompletion('login.complete', params, () => completeLogin({ params, pending, identity, signedInAt }))
  // A local user's browser and address, for the new-sign-in alert (lib/login/sign-in-watch.ts).
  if (result.ok) await watchLocalSignIn(params, identity)
  return finish(result, params, pending)
}

export async function failSignIn(params: LoginRequestParams, source: string, problem: ProblemCode, detail: string): Promise<never> {
  await recordSourceFailure(params, source, problem, detail)
  redirect(problemPath(problem, params))
}
