import 'server-only'
import { Scalekit } from '@scalekit-sdk/node'
import { Code, ConnectError } from '@connectrpc/connect'
import { getEnv } from '../env'
import type { ScalekitUser } from '../sources/claims'
import type { ProblemCode } from '../login/problems'

// The one Scalekit client of the process.
//
// The SDK routes every RPC through coreClient.connectExec, which retries UNAVAILABLE three times
// with 1-8 s backoff and refreshes the token on each UNAUTHENTICATED. A person is waiting on
// this call, so the bridge installs its own policy at that same seam: a per-attempt deadline,
// at most 2 retries with capped jittered backoff on UNAVAILABLE/5xx, none on 4xx, and one
// token refresh. The first token is fetched once, shared by concurrent first calls.

interface CoreClientSeam {
  accessToken: string | null
  authenticateClient(): Promise<void>
  connectExec: <T>(fn: (data: unknown, options?: unknown) => Promise<T>, data: unknown, options?: unknown) => Promise<T>
}

const RETRYABLE = new Set([Code.Unavailable, Code.Internal, Code.Unknown])
const MAX_RETRIES = 2
const BACKOFF_BASE_MS = 150
const BACKOFF_CAP_MS = 1000

export interface ScalekitBridgeClient {
  sdk: Scalekit
  core: CoreClientSeam
  tokenFetches: number
}

let instance: ScalekitBridgeClient | undefined
let tokenInFlight: Promise<void> | undefined

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function backoffDelay(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

async function refreshToken(client: ScalekitBridgeClient, force: boolean): Promise<void> {
  if (!force && client.core.accessToken) return
  tokenInFlight ??= (async () => {
    client.tokenFetches += 1
    try {
      await client.core.authenticateClient()
    } finally {
      tokenInFlight = undefined
    }
  })()
  await tokenInFlight
}

function createClient(): ScalekitBridgeClient {
  const env = getEnv()
  const sdk = new Scalekit(env.SCALEKIT_ENVIRONMENT_URL, env.SCALEKIT_CLIENT_ID, env.SCALEKIT_CLIENT_SECRET, {
    timeoutMs: env.SCALEKIT_TIMEOUT_MS,
  })
  const core = (sdk as unknown as { coreClient: CoreClientSeam }).coreClient
  const client: ScalekitBridgeClient = { sdk, core, tokenFetches: 0 }
  core.connectExec = async (fn, data, options) => {
    await refreshToken(client, false)
    let refreshed = false
    for (let retries = 0; ; ) {
      try {
        return await fn(data, { timeoutMs: env.SCALEKIT_TIMEOUT_MS, ...(options as object | undefined) })
      } catch (error) {
        const connectError = ConnectError.from(error)
        if (connectError.code === Code.Unauthenticated && !refreshed) {
          refreshed = true
          await refreshToken(client, true)
          continue
        }
        if (RETRYABLE.has(connectError.code) && retries < MAX_RETRIES) {
          retries += 1
          await sleep(backoffDelay(retries))
          continue
        }
        throw connectError
      }
    }
  }
  return client
}

/**
 * Readiness: can the bridge get a client-credentials token right now? A fresh fetch through the
 * shared client (so a working token is also what the next login uses), single-flight with any
 * fetch already under way.
 */
export async function fetchScalekitToken(): Promise<{ ok: true } | { ok: false; problem: ProblemCode; detail: string }> {
  const client = getScalekit()
  try {
    await refreshToken(client, true)
    return { ok: true }
  } catch (error) {
    return { ok: false, ...translateScalekitError(error) }
  }
}

export function getScalekit(): ScalekitBridgeClient {
  instance ??= createClient()
  return instance
}

export type ScalekitOutcome = { ok: true; authRequestId: string } | { ok: false; problem: ProblemCode; detail: string }

interface AxiosLikeError {
  isAxiosError: true
  code?: string
  response?: { status: number }
}

function isAxiosError(error: unknown): error is AxiosLikeError {
  return typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true
}

/** Turns whatever the SDK threw into a problem a person can act on, and a detail for the log. */
export function translateScalekitError(error: unknown): { problem: ProblemCode; detail: string } {
  if (isAxiosError(error)) {
    // Only the token endpoint goes over axios (HTTP/1.1) here; RPCs fail as ConnectError.
    const status = error.response?.status
    if (status === 400 || status === 401 || status === 403) return { problem: 'scalekit_credentials', detail: `token endpoint answered ${status}` }
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return { problem: 'scalekit_timeout', detail: 'token endpoint timed out' }
    return { problem: 'scalekit_unavailable', detail: `token endpoint: ${status ?? error.code ?? 'no answer'}` }
  }
  const connectError = ConnectError.from(error)
  const detail = `${Code[connectError.code]}: ${connectError.rawMessage}`.slice(0, 300)
  switch (connectError.code) {
    case Code.NotFound:
      return { problem: 'scalekit_invalid_id', detail }
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return { problem: 'scalekit_rejected_user', detail }
    case Code.FailedPrecondition:
    case Code.AlreadyExists:
    case Code.Aborted:
      return { problem: 'scalekit_closed', detail }
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return { problem: 'scalekit_credentials', detail }
    case Code.DeadlineExceeded:
    case Code.Canceled:
      return { problem: 'scalekit_timeout', detail }
    default:
      return { problem: 'scalekit_unavailable', detail }
  }
}

/** Posts the signed-in person's claims for this login request (server to server). */
export async function submitUserDetails(loginRequestId: string, user: ScalekitUser): Promise<ScalekitOutcome> {
  const { sdk } = getScalekit()
  try {
    const response = await sdk.auth.updateLoginUserDetails(getEnv().SCALEKIT_CONNECTION_ID, loginRequestId, user)
    return { ok: true, authRequestId: response.authRequestId }
  } catch (error) {
    return { ok: false, ...translateScalekitError(error) }
  }
}

/** Tells Scalekit the person gave up, so the MCP client gets an error instead of waiting. */
export async function reportLoginFailed(loginRequestId: string): Promise<ScalekitOutcome> {
  const { sdk } = getScalekit()
  try {
    const response = await sdk.auth.updateLoginUserDetails(getEnv().SCALEKIT_CONNECTION_ID, loginRequestId, {
      loginFailed: true,
    })
    return { ok: true, authRequestId: response.authRequestId }
  } catch (error) {
    return { ok: false, ...translateScalekitError(error) }
  }
}

/** Exactly {ENV}/sso/v1/connections/{conn}/partner:callback?state={encodeURIComponent(state)}. */
export function partnerCallbackUrl(environmentUrl: string, connectionId: string, state: string): string {
  return `${environmentUrl}/sso/v1/connections/${encodeURIComponent(connectionId)}/partner:callback?state=${encodeURIComponent(state)}`
}
