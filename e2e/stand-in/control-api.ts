import type { IncomingMessage, ServerResponse } from 'node:http'
import { readJsonObject, sendJson } from './http-helpers'
import {
  buildBridgeLoginUrl,
  statusOf,
  type FaultSettings,
  type LostAnswer,
  type RepeatUpdate,
  type StandInContext,
  type UserDetailsFault,
} from './stand-in-store'

const FAULTS: readonly UserDetailsFault[] = [
  'none',
  'slow',
  'http500',
  'http503',
  'unavailable',
  'invalid_argument',
  'unauthenticated_once',
  'connection_refused',
  'answer_lost',
]
const LOST_ANSWERS: readonly LostAnswer[] = ['unavailable', 'reset', 'slow']
const REPEAT_UPDATES: readonly RepeatUpdate[] = ['refuse', 'accept']
const MAX_OUTAGE_MS = 60_000

/** Test control API under /_standin/ (no auth: the stand-in only listens on loopback). */
export async function handleControlRequest(
  context: StandInContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const { store, config } = context
  const route = `${req.method} ${path}`

  if (route === 'GET /_standin/health') {
    sendJson(res, 200, { ok: true })
    return true
  }
  if (route === 'POST /_standin/login-requests') {
    const body = await readJsonObject(req)
    const connectionId = body?.connectionId ?? config.connectionId
    const ttlSeconds = body?.ttlSeconds ?? config.loginRequestTtlSeconds
    if (typeof connectionId !== 'string' || !connectionId.startsWith('conn_')) {
      sendJson(res, 400, { error: 'connectionId must look like conn_...' })
      return true
    }
    if (typeof ttlSeconds !== 'number' || !(ttlSeconds > 0)) {
      sendJson(res, 400, { error: 'ttlSeconds must be a positive number' })
      return true
    }
    // A chosen state lets a test check how the bridge carries characters like + / = % or spaces.
    const state = body?.state
    if (state !== undefined && (typeof state !== 'string' || state === '' || state.length > 1024 || store.isStateIssued(state))) {
      sendJson(res, 400, { error: 'state must be a new non-empty string of at most 1024 characters' })
      return true
    }
    // A test may open a login request on a second connection to check cross-connection refusal.
    store.knownConnections.add(connectionId)
    const loginRequest = store.createLoginRequest(connectionId, ttlSeconds, null, state)
    sendJson(res, 201, {
      loginRequestId: loginRequest.id,
      state: loginRequest.state,
      loginUrl: buildBridgeLoginUrl(config.bridgeLoginUrl, loginRequest),
    })
    return true
  }
  const loginRequestMatch = /^\/_standin\/login-requests\/([^/]+)$/.exec(path)
  if (req.method === 'GET' && loginRequestMatch) {
    const loginRequest = store.loginRequests.get(decodeURIComponent(loginRequestMatch[1] ?? ''))
    if (!loginRequest) {
      sendJson(res, 404, { error: 'unknown login request' })
      return true
    }
    sendJson(res, 200, {
      loginRequestId: loginRequest.id,
      connectionId: loginRequest.connectionId,
      state: loginRequest.state,
      status: statusOf(loginRequest),
      user: loginRequest.user,
      loginFailed: loginRequest.loginFailed,
      userDetailsCalls: loginRequest.userDetailsCalls,
      appliedUpdates: loginRequest.appliedUpdates,
      authRequestId: loginRequest.authRequestId,
      createdAt: new Date(loginRequest.createdAt).toISOString(),
      expiresAt: new Date(loginRequest.expiresAt).toISOString(),
      fromMcpClient: loginRequest.client !== null,
    })
    return true
  }
  if (route === 'GET /_standin/stats') {
    sendJson(res, 200, store.stats)
    return true
  }
  if (route === 'POST /_standin/stats/reset') {
    store.resetStats()
    sendJson(res, 200, store.stats)
    return true
  }
  if (route === 'POST /_standin/bridge-login-url') {
    const url = (await readJsonObject(req))?.url
    if (url !== null && (typeof url !== 'string' || !URL.canParse(url))) {
      sendJson(res, 400, { error: 'url must be an absolute URL, or null for the configured one' })
      return true
    }
    store.bridgeLoginUrlOverride = url
    sendJson(res, 200, { bridgeLoginUrl: url ?? config.bridgeLoginUrl })
    return true
  }
  if (route === 'GET /_standin/faults') {
    sendJson(res, 200, store.faults)
    return true
  }
  if (route === 'POST /_standin/faults') {
    const parsed = parseFaults(await readJsonObject(req))
    if ('error' in parsed) {
      sendJson(res, 400, { error: parsed.error })
      return true
    }
    // Every setting not given goes back to its default, so a test sets the whole picture at once.
    Object.assign(store.faults, parsed.faults)
    sendJson(res, 200, store.faults)
    // The port closes once this answer is on its way; the control API is unreachable until it reopens.
    const { forMs } = parsed
    if (forMs !== undefined) res.once('finish', () => context.refuseConnections(forMs))
    return true
  }
  if (route === 'POST /_standin/tokens/revoke') {
    sendJson(res, 200, { revoked: store.revokeApiTokens() })
    return true
  }
  return false
}

/** The body of POST /_standin/faults, with the defaults of what it leaves out; or why it is refused. */
function parseFaults(body: Record<string, unknown> | undefined): { faults: FaultSettings; forMs?: number } | { error: string } {
  const fault = body?.userDetails
  const delayMs = body?.delayMs ?? 0
  const rate = body?.rate ?? 1
  const forMs = body?.forMs
  const lostAs = body?.lostAs ?? 'unavailable'
  const repeatUpdate = body?.repeatUpdate ?? 'refuse'
  if (!FAULTS.includes(fault as UserDetailsFault) || typeof delayMs !== 'number' || delayMs < 0) {
    return { error: `userDetails must be one of ${FAULTS.join(', ')}; delayMs a non-negative number` }
  }
  if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) return { error: 'rate must be a number above 0 and at most 1' }
  const refusing = fault === 'connection_refused'
  if (refusing !== (forMs !== undefined) || (refusing && (typeof forMs !== 'number' || !(forMs > 0 && forMs <= MAX_OUTAGE_MS)))) {
    return { error: `connection_refused needs forMs (1..${MAX_OUTAGE_MS}), and only it takes forMs` }
  }
  if (!LOST_ANSWERS.includes(lostAs as LostAnswer) || (lostAs !== 'unavailable' && fault !== 'answer_lost')) {
    return { error: `lostAs is one of ${LOST_ANSWERS.join(', ')}, and only answer_lost takes another than unavailable` }
  }
  if (lostAs === 'slow' && !(delayMs > 0)) return { error: "lostAs 'slow' needs a delayMs above 0" }
  if (!REPEAT_UPDATES.includes(repeatUpdate as RepeatUpdate)) return { error: `repeatUpdate is one of ${REPEAT_UPDATES.join(', ')}` }
  const faults = {
    userDetails: fault as UserDetailsFault,
    delayMs,
    rate,
    lostAs: lostAs as LostAnswer,
    repeatUpdate: repeatUpdate as RepeatUpdate,
  }
  return { faults, forMs: refusing ? (forMs as number) : undefined }
}
