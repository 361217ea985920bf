import 'server-only'
import { createHash, timingSafeEqual } from 'node:crypto'
import { sealData, unsealData } from 'iron-session'

// The pending login requests of one browser, sealed in one cookie: a small map keyed by
// login_request_id so two tabs with two logins do not overwrite each other. The cookie keeps a
// SHA-256 of the state, not the state: states may be up to 2 KB and several must fit in 4 KB.

const LOGIN_REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/
// Opaque to us: any printable ASCII without whitespace, returned byte for byte.
const STATE_PATTERN = /^[\x21-\x7E]{1,2048}$/
export const MAX_PENDING_PER_BROWSER = 8
// The seal outlives the login request by this much, so a late submission is told "expired"
// (with what to do) rather than "this browser never started a sign-in".
const SEAL_GRACE_SECONDS = 3600

export function sealTtlFor(ttlSeconds: number): number {
  return ttlSeconds + SEAL_GRACE_SECONDS
}

export interface LoginRequestParams {
  loginRequestId: string
  state: string
  /** The MCP server's key when the request came through /login/{key}; absent at /login (its default server). */
  server?: string
}

export type ParamsProblem = 'missing_parameters' | 'invalid_login_request_id' | 'invalid_state' | 'unknown_server'

const SERVER_KEY_PATTERN = /^[a-z0-9-]{1,40}$/

export function parseLoginRequestParams(
  loginRequestId: unknown,
  state: unknown,
  server?: unknown,
): { ok: true; params: LoginRequestParams } | { ok: false; problem: ParamsProblem } {
  if (typeof loginRequestId !== 'string' || typeof state !== 'string' || !loginRequestId || !state) {
    return { ok: false, problem: 'missing_parameters' }
  }
  if (!LOGIN_REQUEST_ID_PATTERN.test(loginRequestId)) return { ok: false, problem: 'invalid_login_request_id' }
  if (!STATE_PATTERN.test(state)) return { ok: false, problem: 'invalid_state' }
  if (server === undefined || server === null || server === '') return { ok: true, params: { loginRequestId, state } }
  if (typeof server !== 'string' || !SERVER_KEY_PATTERN.test(server)) return { ok: false, problem: 'unknown_server' }
  return { ok: true, params: { loginRequestId, state, server } }
}

export function hashState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('base64url')
}

interface PendingEntry {
  /** SHA-256 of the state, base64url. */
  h: string
  /** When this browser arrived with the login request, epoch ms. */
  c: number
  /** The key of the MCP server it arrived for (absent in seals written before there were several). */
  s?: string
}

export type PendingMap = Record<string, PendingEntry>

export function cookieNameFor(secure: boolean): string {
  return secure ? '__Host-byoa_login' : 'byoa_login'
}

export function cookieOptionsFor(secure: boolean, ttlSeconds: number) {
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/', maxAge: sealTtlFor(ttlSeconds) }
}

/** A tampered, foreign or expired seal reads as "no pending requests", never as an error. */
export async function unsealPending(seal: string | undefined, password: string, ttlSeconds: number): Promise<PendingMap> {
  if (!seal) return {}
  try {
    const data = await unsealData<{ r?: unknown }>(seal, { password, ttl: sealTtlFor(ttlSeconds) })
    const map = data?.r
    if (!map || typeof map !== 'object') return {}
    const pending: PendingMap = {}
    for (const [id, entry] of Object.entries(map as Record<string, unknown>)) {
      if (!LOGIN_REQUEST_ID_PATTERN.test(id) || !entry || typeof entry !== 'object') continue
      const { h, c, s } = entry as Record<string, unknown>
      if (typeof h === 'string' && typeof c === 'number') pending[id] = typeof s === 'string' ? { h, c, s } : { h, c }
    }
    return pending
  } catch {
    return {}
  }
}

export function sealPending(pending: PendingMap, password: string, ttlSeconds: number): Promise<string> {
  return sealData({ r: pending }, { password, ttl: sealTtlFor(ttlSeconds) })
}

/**
 * Adds or refreshes one login request (for the server `serverKey`), dropping entries past the grace
 * and the oldest beyond the cap.
 */
export function withPendingEntry(
  pending: PendingMap,
  params: LoginRequestParams,
  now: number,
  ttlSeconds: number,
  serverKey: string,
): PendingMap {
  const stateHash = hashState(params.state)
  const existing = pending[params.loginRequestId]
  // Reloading the page keeps the original arrival time and server, so a reload cannot extend the
  // TTL, and opening it through another server's endpoint cannot move it there.
  const entry: PendingEntry = existing && existing.h === stateHash ? existing : { h: stateHash, c: now, s: serverKey }
  const live = Object.entries(pending).filter(([id, e]) => id !== params.loginRequestId && now - e.c < sealTtlFor(ttlSeconds) * 1000)
  live.sort((a, b) => b[1].c - a[1].c)
  return Object.fromEntries([[params.loginRequestId, entry], ...live.slice(0, MAX_PENDING_PER_BROWSER - 1)])
}

export function withoutEntry(pending: PendingMap, loginRequestId: string): PendingMap {
  const { [loginRequestId]: _removed, ...rest } = pending
  return rest
}

export type StateCheck =
  { ok: true; entry: PendingEntry } | { ok: false; problem: 'no_session' | 'state_mismatch' | 'expired' | 'wrong_server' }

/**
 * The state must equal, byte for byte, the one this browser arrived with for this login request,
 * and the server acting on it must be the one it arrived for (`legacyKey` for seals without one).
 */
export function checkState(
  pending: PendingMap,
  params: LoginRequestParams,
  now: number,
  ttlSeconds: number,
  server: { key: string; legacyKey: string },
): StateCheck {
  const entry = pending[params.loginRequestId]
  if (!entry) return { ok: false, problem: 'no_session' }
  const expected = Buffer.from(entry.h, 'base64url')
  const actual = Buffer.from(hashState(params.state), 'base64url')
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, problem: 'state_mismatch' }
  }
  if ((entry.s ?? server.legacyKey) !== server.key) return { ok: false, problem: 'wrong_server' }
  if (now - entry.c >= ttlSeconds * 1000) return { ok: false, problem: 'expired' }
  return { ok: true, entry }
}
