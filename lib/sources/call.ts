import 'server-only'
import { readBodyUpTo } from '../server/read-body'
import { mapClaims, type MappedIdentity, type ResolvedMapping } from './claims'

// The two identity sources that are plain HTTP calls to the company's own systems (lib/sources/
// http.ts, its credential check, and session.ts, its app's "who am I") share one call: it follows
// no redirect (a redirect could carry the credentials or cookies elsewhere), has a deadline, and
// every way it can fail comes back as a value the sign-in page can explain.

type SourceFailureReason = 'timeout' | 'unavailable' | 'invalid_response'

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
/** The body as text, read no further than MAX_ANSWER_BYTES: a larger answer is cut off unread. */
async function readBounded(response: Response): Promise<string | null> {
  const body = await readBodyUpTo(response, MAX_ANSWER_BYTES)
  return body === null ? null : body.toString('utf8')
}

async function readProfile(
  response: Response,
  timeoutMs: number,
): Promise<{ ok: true; claims: Record<string, unknown> } | { ok: false; failure: SourceFailure }> {
  let text: string | null
  try {
    text = await readBounded(response)
  } catch (error) {
    const name = error instanceof Error ? error.name : ''
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { ok: false, failure: { reason: 'timeout', detail: `the answer did not finish within ${timeoutMs} ms` } }
    }
    return { ok: false, failure: { reason: 'unavailable', detail: 'the connection broke while reading the answer' } }
  }
  if (text === null) return { ok: false, failure: { reason: 'invalid_response', detail: 'the answer is larger than 64 KB' } }
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

/** What the source said of the person: who they are, that it does not know them, or nothing usable. */
export type SourceAnswer = { outcome: 'yes'; identity: MappedIdentity } | { outcome: 'no' } | { outcome: 'failed'; failure: SourceFailure }

interface SourceRequest {
  source: { id: string; timeoutMs: number; claims: ResolvedMapping }
  url: string
  init: RequestInit
  /** The statuses that mean "not this person" (a refusal, or no session); 200 is the only yes. */
  isNo: (status: number) => boolean
}

/** Calls the source and reads its answer: a profile mapped to claims, a no, or a fault. */
export async function askSource({ source, url, init, isNo }: SourceRequest): Promise<SourceAnswer> {
  const call = await callSource(url, init, source.timeoutMs)
  if (!call.ok) return { outcome: 'failed', failure: call.failure }
  const { response } = call
  if (isNo(response.status)) {
    await response.body?.cancel()
    return { outcome: 'no' }
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    return { outcome: 'failed', failure: { reason: 'unavailable', detail: `HTTP ${response.status}` } }
  }
  const answer = await readProfile(response, source.timeoutMs)
  if (!answer.ok) return { outcome: 'failed', failure: answer.failure }
  return { outcome: 'yes', identity: mapClaims(source.id, answer.claims, source.claims) }
}
