import 'server-only'
import { mapClaims, type MappedIdentity } from './claims'
import type { SourceOfType } from './config'

// The two identity sources that are plain HTTP calls to the company's own systems: its credential
// check ("http") and its app's "who am I" ("session"). Neither follows redirects (a redirect could
// carry the credentials or cookies elsewhere), both have a deadline, and every way they can fail
// comes back as a value the sign-in page can explain.

export type SourceFailureReason = 'timeout' | 'unavailable' | 'invalid_response'

export interface SourceFailure {
  reason: SourceFailureReason
  /** For the ledger and the log: never a credential, never the answer's body. */
  detail: string
}

const MAX_ANSWER_BYTES = 64 * 1024

async function callSource(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ ok: true; response: Response } | { ok: false; failure: SourceFailure }> {
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) })
    return { ok: true, response }
  } catch (error) {
    const name = error instanceof Error ? error.name : ''
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { ok: false, failure: { reason: 'timeout', detail: `no answer within ${timeoutMs} ms` } }
    }
    const cause = (error as { cause?: { code?: string } }).cause?.code
    return { ok: false, failure: { reason: 'unavailable', detail: `could not connect${cause ? ` (${cause})` : ''}` } }
  }
}

/** Reads a JSON object answer, bounded in size; anything else is an invalid answer. */
async function readProfile(response: Response, timeoutMs: number): Promise<{ ok: true; claims: Record<string, unknown> } | { ok: false; failure: SourceFailure }> {
  let text: string
  try {
    text = await response.text()
  } catch (error) {
    const name = error instanceof Error ? error.name : ''
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { ok: false, failure: { reason: 'timeout', detail: `the answer did not finish within ${timeoutMs} ms` } }
    }
    return { ok: false, failure: { reason: 'unavailable', detail: 'the connection broke while reading the answer' } }
  }
  if (text.length > MAX_ANSWER_BYTES) return { ok: false, failure: { reason: 'invalid_response', detail: 'the answer is larger than 64 KB' } }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, failure: { reason: 'invalid_response', detail: `HTTP ${response.status} with a body that is not JSON` } }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, failure: { reason: 'invalid_response', detail: `HTTP ${response.status} with JSON that is not an object` } }
  }
  return { ok: true, claims: value as Record<string, unknown> }
}

export type CredentialCheck =
  | { outcome: 'accepted'; identity: MappedIdentity }
  | { outcome: 'refused' }
  | { outcome: 'failed'; failure: SourceFailure }

/**
 * Asks the company's credential API about one email and password. Its contract: 200 with a JSON
 * profile accepts, 401 refuses, anything else is a fault on its side (so a wrong shared secret,
 * answered with 403, is not mistaken for a wrong password).
 */
export async function checkCredentials(source: SourceOfType<'http'>, email: string, password: string): Promise<CredentialCheck> {
  const call = await callSource(
    source.url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', [source.secretHeader]: source.secret },
      body: JSON.stringify({ email, password }),
    },
    source.timeoutMs,
  )
  if (!call.ok) return { outcome: 'failed', failure: call.failure }
  const { response } = call
  if (response.status === 401) {
    await response.body?.cancel()
    return { outcome: 'refused' }
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    return { outcome: 'failed', failure: { reason: 'unavailable', detail: `HTTP ${response.status}` } }
  }
  const answer = await readProfile(response, source.timeoutMs)
  if (!answer.ok) return { outcome: 'failed', failure: answer.failure }
  return { outcome: 'accepted', identity: mapClaims(source.id, answer.claims, source.claims) }
}

export type AppSessionCheck =
  | { outcome: 'signed_in'; identity: MappedIdentity }
  | { outcome: 'signed_out' }
  | { outcome: 'failed'; failure: SourceFailure }

/** Only the cookies the configuration names travel to the company app, nothing else of ours. */
export function forwardedCookieHeader(cookieHeader: string | null, names: readonly string[]): string | null {
  if (!cookieHeader) return null
  const wanted = new Set(names)
  const kept = cookieHeader
    .split(';')
    .map((part) => part.trim())
    .filter((part) => wanted.has(part.slice(0, part.indexOf('=') < 0 ? part.length : part.indexOf('='))))
  return kept.length ? kept.join('; ') : null
}

/**
 * Asks the company app who the browser's session belongs to. 200 with a profile is signed in;
 * 401, 403 or a redirect (to its login page) is signed out; anything else is a fault.
 */
export async function checkAppSession(source: SourceOfType<'session'>, cookieHeader: string | null): Promise<AppSessionCheck> {
  const cookie = forwardedCookieHeader(cookieHeader, source.cookies)
  if (!cookie) return { outcome: 'signed_out' }
  const call = await callSource(source.whoamiUrl, { method: 'GET', headers: { accept: 'application/json', cookie } }, source.timeoutMs)
  if (!call.ok) return { outcome: 'failed', failure: call.failure }
  const { response } = call
  if (response.status === 401 || response.status === 403 || (response.status >= 300 && response.status < 400)) {
    await response.body?.cancel()
    return { outcome: 'signed_out' }
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    return { outcome: 'failed', failure: { reason: 'unavailable', detail: `HTTP ${response.status}` } }
  }
  const answer = await readProfile(response, source.timeoutMs)
  if (!answer.ok) return { outcome: 'failed', failure: answer.failure }
  return { outcome: 'signed_in', identity: mapClaims(source.id, answer.claims, source.claims) }
}

/** Where the company app signs a person in, with a way back to this very login request. */
export function appLoginUrl(source: SourceOfType<'session'>, returnTo: string): string {
  const url = new URL(source.loginUrl)
  url.searchParams.set(source.returnToParam, returnTo)
  return url.toString()
}
