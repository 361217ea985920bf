import 'server-only'
import { Scalekit } from '@scalekit-sdk/node'
import { ConnectError } from '@connectrpc/connect'
import { getEnv } from '../env'
import type { ProblemCode } from '../login/problems'
import type { ScalekitEnvironment } from '../servers/config'
import { translateScalekitError } from './errors'
import { afterFailure, FRESH_CALL, UPDATE_LOGIN_USER_DETAILS } from './attempts'
import { countTokenFetch, timeScalekitCall } from '../server/metrics'
import { scalekitAttempt } from '../server/spans'

// The Scalekit clients of the process, one per environment.
//
// The SDK routes every RPC through coreClient.connectExec, which retries UNAVAILABLE three times
// with 1-8 s backoff and refreshes the token on each UNAUTHENTICATED. A person is waiting on
// this call, so the bridge installs its own policy at that same seam: a per-attempt deadline,
// at most 2 retries with capped jittered backoff on UNAVAILABLE/5xx or a dropped connection,
// none on 4xx, one token refresh, and for UpdateLoginUserDetails one retry after a timeout
// (lib/scalekit/attempts.ts). The first token is fetched once, shared by concurrent first calls.

interface CoreClientSeam {
  accessToken: string | null
  authenticateClient(): Promise<void>
  connectExec: <T>(fn: (data: unknown, options?: unknown) => Promise<T>, data: unknown, options?: unknown) => Promise<T>
}

const BACKOFF_BASE_MS = 150
const BACKOFF_CAP_MS = 1000

export interface ScalekitBridgeClient {
  sdk: Scalekit
  core: CoreClientSeam
  tokenFetches: number
  /** The token fetch under way, shared by every call that needs one. */
  tokenInFlight?: Promise<void>
}

/** One client per Scalekit environment (URL and client id), however many servers share it. */
const instances = new Map<string, ScalekitBridgeClient>()

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function backoffDelay(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

async function refreshToken(client: ScalekitBridgeClient, force: boolean): Promise<void> {
  if (!force && client.core.accessToken) return
  client.tokenInFlight ??= (async () => {
    client.tokenFetches += 1
    try {
      await client.core.authenticateClient()
      countTokenFetch('ok')
    } catch (error) {
      countTokenFetch(translateScalekitError(error).problem)
      throw error
    } finally {
      client.tokenInFlight = undefined
    }
  })()
  await client.tokenInFlight
}

/**
 * Installs the bridge's retry and token policy at the SDK's seam. Written against
 * @scalekit-sdk/node 2.11.0; an upgrade that removes the seam fails here, at start, and in
 * client.test.ts, instead of silently bringing back the SDK's own slow retries.
 */
export function withBridgePolicy(sdk: Scalekit, timeoutMs: number): ScalekitBridgeClient {
  const core = (sdk as unknown as { coreClient?: Partial<CoreClientSeam> }).coreClient
  if (typeof core?.connectExec !== 'function' || typeof core.authenticateClient !== 'function' || !('accessToken' in core)) {
    throw new Error(
      'The Scalekit SDK no longer has coreClient.connectExec, authenticateClient and accessToken: lib/scalekit/client.ts installs its retry policy there and must be updated for this SDK version.',
    )
  }
  return installPolicy({ sdk, core: core as CoreClientSeam, tokenFetches: 0 }, timeoutMs)
}

/** Failures thrown after an earlier attempt of the same call that Scalekit may have applied. */
const afterPossibleApply = new WeakSet<object>()

/**
 * Whether an earlier attempt of the call that threw `error` failed in a way that does not prove
 * Scalekit left it undone (a timeout, a dropped connection, UNAVAILABLE once sent).
 */
export function earlierAttemptMayHaveApplied(error: unknown): boolean {
  return typeof error === 'object' && error !== null && afterPossibleApply.has(error)
}

/** The protobuf type of an RPC's request, which names the operation. */
function typeNameOf(data: unknown): unknown {
  return (data as { $typeName?: unknown } | null)?.$typeName
}

function installPolicy(client: ScalekitBridgeClient, timeoutMs: number): ScalekitBridgeClient {
  const { core } = client
  const exec: CoreClientSeam['connectExec'] = async (fn, data, options) => {
    await refreshToken(client, false)
    // A timed-out update is worth one more try: a repeat of it is recognizable (attempts.ts).
    const repeatRecognizable = typeNameOf(data) === UPDATE_LOGIN_USER_DETAILS
    let state = FRESH_CALL
    for (;;) {
      try {
        return await scalekitAttempt(() => fn(data, { timeoutMs, ...(options as object | undefined) }))
      } catch (error) {
        const connectError = ConnectError.from(error)
        const earlierMayHaveApplied = state.mayHaveApplied
        const decided = afterFailure(state, connectError, { repeatRecognizable })
        state = decided.state
        if (decided.step === 'refresh') await refreshToken(client, true)
        else if (decided.step === 'retry') await sleep(backoffDelay(state.retries))
        else {
          if (earlierMayHaveApplied) afterPossibleApply.add(connectError)
          throw connectError
        }
      }
    }
  }
  core.connectExec = (fn, data, options) =>
    timeScalekitCall(
      typeNameOf(data),
      () => exec(fn, data, options),
      (error) => translateScalekitError(error).problem,
    )
  return client
}

function environmentKey(environment: ScalekitEnvironment): string {
  return `${environment.environmentUrl} ${environment.clientId}`
}

/**
 * Readiness: can the bridge get a client-credentials token right now, in every environment its
 * servers use? A fresh fetch through the shared clients (so a working token is also what the next
 * login uses), single-flight with any fetch already under way.
 */
export async function fetchScalekitTokens(): Promise<{ ok: true } | { ok: false; problem: ProblemCode; detail: string }> {
  const environments = new Map(getEnv().servers.map((server) => [environmentKey(server.environment), server.environment]))
  const results = await Promise.all(
    [...environments.values()].map(async (environment) => {
      try {
        await refreshToken(getScalekit(environment), true)
        return { ok: true as const }
      } catch (error) {
        const translated = translateScalekitError(error)
        return { ok: false as const, problem: translated.problem, detail: `${environment.environmentUrl}: ${translated.detail}` }
      }
    }),
  )
  return results.find((result) => !result.ok) ?? { ok: true }
}

export function getScalekit(environment: ScalekitEnvironment): ScalekitBridgeClient {
  const key = environmentKey(environment)
  let client = instances.get(key)
  if (!client) {
    const { SCALEKIT_TIMEOUT_MS: timeoutMs } = getEnv()
    const sdk = new Scalekit(environment.environmentUrl, environment.clientId, environment.clientSecret, { timeoutMs })
    client = withBridgePolicy(sdk, timeoutMs)
    instances.set(key, client)
  }
  return client
}
