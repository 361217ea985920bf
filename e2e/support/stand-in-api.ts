import { SCALEKIT_URL } from './config'
import type { LostAnswer, RepeatUpdate, Stats as StandInStats, UserDetailsFault } from '../stand-in/stand-in-store'

// The Scalekit stand-in's test control API: start login requests without an MCP client, read
// what Scalekit received, count calls, inject faults.

export interface StandInLoginRequest {
  loginRequestId: string
  connectionId: string
  state: string
  status: 'pending' | 'user_received' | 'failed' | 'callback_used'
  user: Record<string, unknown> | null
  loginFailed: boolean
  userDetailsCalls: number
  /** The calls that changed it: a repeat refused, or accepted as the same update, is not one. */
  appliedUpdates: number
  authRequestId: string | null
}

// The stand-in's own types, so the control API's clients cannot drift from it.
export type { Stats as StandInStats, UserDetailsFault } from '../stand-in/stand-in-store'

async function call<T>(method: string, path: string, body?: unknown, base = SCALEKIT_URL): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

export function createLoginRequest(options: { state?: string; connectionId?: string; ttlSeconds?: number } = {}, base?: string) {
  return call<{ loginRequestId: string; state: string; loginUrl: string }>('POST', '/_standin/login-requests', options, base)
}

export async function readLoginRequest(loginRequestId: string): Promise<StandInLoginRequest | null> {
  const response = await fetch(`${SCALEKIT_URL}/_standin/login-requests/${encodeURIComponent(loginRequestId)}`)
  if (response.status === 404) return null
  return (await response.json()) as StandInLoginRequest
}

export const readStats = () => call<StandInStats>('GET', '/_standin/stats')
/**
 * Sets Scalekit's faults as a whole: what is not given goes back to its default. `lostAs` is how
 * `answer_lost` loses the answer of the next call; `repeatUpdate` whether Scalekit refuses (the
 * default) or accepts a repeat of the update a login request already holds.
 */
export const setFault = (
  userDetails: UserDetailsFault,
  delayMs?: number,
  options: { rate?: number; lostAs?: LostAnswer; repeatUpdate?: RepeatUpdate } = {},
) => call<unknown>('POST', '/_standin/faults', { userDetails, delayMs, ...options })
/** Closes Scalekit's port for `forMs` (connection refused), then it listens again by itself. */
export const refuseConnections = (forMs: number) => call<unknown>('POST', '/_standin/faults', { userDetails: 'connection_refused', forMs })
/** Sends MCP clients to another bridge's /login (null: back to the configured one). */
export const setBridgeLoginUrl = (url: string | null) => call<unknown>('POST', '/_standin/bridge-login-url', { url })
