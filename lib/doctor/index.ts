import 'server-only'
import { lookup as dnsLookup } from 'node:dns/promises'
import net from 'node:net'
import { Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect'
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node'
import { ClientService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb'
import { ConnectionService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connections/connections_pb'
import { CONNECTION_ID_PAGE, CONNECTION_ID_PATTERN, ConfigError, parseEnv } from '../env'
import { isHttpsOrLoopback, isLoopbackHost } from '../server/urls'

// `npm run doctor`: checks a deployment from the outside, the way the troubleshooting guide does
// by hand. Every check is a function of the raw environment and injected I/O (fetch, DNS, the
// Scalekit directory), so tests run them against real local servers. Nothing here writes
// anywhere: no login request is started, no ledger row is recorded, nothing in Scalekit changes.

export type FindingStatus = 'pass' | 'warn' | 'fail' | 'skip'

export interface Finding {
  id: string
  status: FindingStatus
  summary: string
  /** What to change (a dashboard page or an env key); set on everything that is not a pass. */
  fix?: string
}

export type EnvSource = Record<string, string | undefined>
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

const CREDENTIALS_PAGE = 'Dashboard > Settings > API Credentials'
const LOGIN_ENDPOINT_PAGE = 'Dashboard > MCP Servers > your server > "Bring your own auth" login endpoint'
const DEFAULT_TIMEOUT_MS = 5000
const MAX_REDIRECTS = 5
// ListResources allows at most 30 per page; 10 pages is far beyond any real environment.
const RESOURCE_PAGE_SIZE = 30
const MAX_RESOURCE_PAGES = 10

const pass = (id: string, summary: string): Finding => ({ id, status: 'pass', summary })
const warn = (id: string, summary: string, fix: string): Finding => ({ id, status: 'warn', summary, fix })
const fail = (id: string, summary: string, fix: string): Finding => ({ id, status: 'fail', summary, fix })
const skip = (id: string, summary: string, fix: string): Finding => ({ id, status: 'skip', summary, fix })

function text(source: EnvSource, key: string): string | undefined {
  const value = source[key]?.trim()
  return value ? value : undefined
}

function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// 1. The configuration, through the same parser the server refuses to start with.

const ENV_FIXES: Record<string, string> = {
  APP_URL: 'Set APP_URL to the public https origin people and Scalekit reach the bridge at, e.g. https://login.example.com.',
  SCALEKIT_ENVIRONMENT_URL: `Copy the Environment URL from ${CREDENTIALS_PAGE} into SCALEKIT_ENVIRONMENT_URL.`,
  SCALEKIT_CLIENT_ID: `Copy the client id from ${CREDENTIALS_PAGE} into SCALEKIT_CLIENT_ID.`,
  SCALEKIT_CLIENT_SECRET: `Copy (or create) a client secret in ${CREDENTIALS_PAGE} into SCALEKIT_CLIENT_SECRET.`,
  SESSION_SECRET: 'Set SESSION_SECRET to at least 32 random characters: openssl rand -base64 32.',
  AUTH_SECRET: 'Set AUTH_SECRET to at least 32 random characters: openssl rand -base64 32.',
  IDENTITY_SOURCES: 'Correct IDENTITY_SOURCES (README > Identity sources).',
  IDENTITY_SOURCES_FILE: 'Correct IDENTITY_SOURCES_FILE or the JSON it points at (README > Identity sources).',
}

function envFix(key: string): string {
  return ENV_FIXES[key] ?? `Correct ${key} in the env file (.env.example documents it).`
}

/** The key a problem of lib/env.ts is about: its messages start with the key's name. */
function problemKey(problem: string): string {
  return /^([A-Z][A-Z0-9_]*)/.exec(problem)?.[1] ?? 'config'
}

/**
 * One summary line, then one line per problem. Problems of SCALEKIT_CONNECTION_ID are left to
 * checkConnectionId, which reports them with the dashboard page to copy the id from.
 */
export function checkEnv(source: EnvSource): Finding[] {
  let problems: string[]
  try {
    parseEnv(source)
    return [pass('env', 'The configuration is valid: the bridge would start with it.')]
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    problems = error.problems
  }
  const lines = problems
    .filter((problem) => problemKey(problem) !== 'SCALEKIT_CONNECTION_ID')
    .map((problem) => {
      const key = problemKey(problem)
      return fail(`env.${key}`, problem, envFix(key))
    })
  const summary = fail(
    'env',
    `${problems.length} configuration problem${problems.length === 1 ? '' : 's'}: the bridge would refuse to start.`,
    lines.length ? 'Correct the keys named on the env.* lines that follow.' : 'Correct SCALEKIT_CONNECTION_ID (see connection-id).',
  )
  return [summary, ...lines]
}

// ---------------------------------------------------------------------------------------------
// 2. conn_, not res_.

export function checkConnectionId(source: EnvSource): Finding {
  const value = text(source, 'SCALEKIT_CONNECTION_ID')
  const fix = `Copy the Connection ID (it starts with conn_) from ${CONNECTION_ID_PAGE} into SCALEKIT_CONNECTION_ID.`
  if (!value) return fail('connection-id', 'SCALEKIT_CONNECTION_ID is not set.', fix)
  if (value.startsWith('res_')) {
    return fail(
      'connection-id',
      `SCALEKIT_CONNECTION_ID is ${value}: a res_ id is the MCP server's resource id, not its connection.`,
      fix,
    )
  }
  if (!CONNECTION_ID_PATTERN.test(value)) {
    return fail('connection-id', `SCALEKIT_CONNECTION_ID (${value}) does not look like conn_<letters and digits>.`, fix)
  }
  return pass('connection-id', `SCALEKIT_CONNECTION_ID is a connection id (${value}).`)
}

// ---------------------------------------------------------------------------------------------
// Network failures, described by cause rather than by Node's generic "fetch failed".

interface ErrnoLike {
  code?: unknown
  errors?: Array<{ code?: unknown }>
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_)/

export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`
  }
  const cause = (error instanceof Error ? error.cause : undefined) as ErrnoLike | undefined
  // Several addresses (localhost: ::1 and 127.0.0.1) fail together as an AggregateError.
  const code = String(cause?.code ?? cause?.errors?.[0]?.code ?? '')
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)'
  if (code === 'ECONNRESET') return 'connection reset (ECONNRESET)'
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return `no connection within the timeout (${code})`
  if (TLS_CODES.test(code)) return `TLS certificate not accepted (${code})`
  return code ? `network error (${code})` : 'network error'
}

// ---------------------------------------------------------------------------------------------
// 3. The client credentials, with the same client_credentials grant the SDK uses.

export interface CredentialsResult {
  finding: Finding
  /** Kept in memory for the read-only Scalekit lookups; never part of a finding. */
  accessToken?: string
}

/** The client secret may only travel over https, or over http to this very machine. */
function mayCarrySecret(url: URL): boolean {
  return isHttpsOrLoopback(url)
}

async function oauthErrorCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: unknown }
    // Only a well-formed OAuth error code is echoed, never free text from the answer.
    return typeof body.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? body.error : undefined
  } catch {
    return undefined
  }
}

export async function checkCredentials(
  source: EnvSource,
  fetchImpl: FetchLike,
  timeoutMs: number,
): Promise<CredentialsResult> {
  const id = 'scalekit.credentials'
  const environment = parseUrl(text(source, 'SCALEKIT_ENVIRONMENT_URL'))
  const clientId = text(source, 'SCALEKIT_CLIENT_ID')
  const clientSecret = source.SCALEKIT_CLIENT_SECRET
  if (!environment || !clientId || !clientSecret) {
    return {
      finding: skip(
        id,
        'Not checked: needs SCALEKIT_ENVIRONMENT_URL (a URL), SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET.',
        `Set them from ${CREDENTIALS_PAGE}.`,
      ),
    }
  }
  if (!mayCarrySecret(environment)) {
    return {
      finding: skip(
        id,
        `Not checked: SCALEKIT_ENVIRONMENT_URL is plain http (${environment.origin}), which would send the client secret unencrypted.`,
        `Use the https Environment URL from ${CREDENTIALS_PAGE}.`,
      ),
    }
  }
  const tokenUrl = `${environment.origin}/oauth/token`
  const credentialsFix = `Copy SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET again from ${CREDENTIALS_PAGE} of the environment ${environment.origin} (another environment's credentials are refused too).`
  const environmentFix = `Copy SCALEKIT_ENVIRONMENT_URL again from ${CREDENTIALS_PAGE}.`
  let response: Response
  try {
    response = await fetchImpl(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    return {
      finding: fail(
        id,
        `Scalekit at ${environment.origin} is unreachable: ${describeNetworkError(error, timeoutMs)}.`,
        `Check SCALEKIT_ENVIRONMENT_URL against ${CREDENTIALS_PAGE}, and that this machine can resolve and reach it (DNS, firewall, outbound proxy).`,
      ),
    }
  }
  const status = response.status
  if (status === 200) {
    const token = await response
      .json()
      .then((body: { access_token?: unknown }) => (typeof body.access_token === 'string' ? body.access_token : undefined))
      .catch(() => undefined)
    if (token) {
      return { finding: pass(id, `Scalekit accepted the client credentials (client_credentials grant at ${tokenUrl}).`), accessToken: token }
    }
    return { finding: fail(id, `${tokenUrl} answered 200 without an access token: not a Scalekit environment?`, environmentFix) }
  }
  if (status === 400 || status === 401 || status === 403) {
    const code = await oauthErrorCode(response)
    return { finding: fail(id, `Scalekit refused the client credentials (HTTP ${status}${code ? ` ${code}` : ''}).`, credentialsFix) }
  }
  await response.body?.cancel()
  if (status >= 500) {
    return {
      finding: fail(
        id,
        `Scalekit answered HTTP ${status} at ${tokenUrl}: an outage at Scalekit or at a proxy in between.`,
        'Try again in a few minutes; if it persists, check outbound proxies and contact Scalekit support with the time of this run.',
      ),
    }
  }
  return {
    finding: fail(id, `${tokenUrl} answered HTTP ${status}: SCALEKIT_ENVIRONMENT_URL does not look like a Scalekit environment.`, environmentFix),
  }
}

// ---------------------------------------------------------------------------------------------
// 4 and 7. Read-only lookups in Scalekit's management API.
//
// Research (SDK 2.11.0, lib/pkg/grpc/scalekit/v1): the SDK wraps neither call below, but ships
// their service descriptors, and so speaks their wire format:
// - ConnectionService.GetEnvironmentConnection (HTTP annotation `GET /api/v1/connections/{id}`,
//   marked PREVIEW) returns a connection by id, or NOT_FOUND.
// - ClientService.ListResources (`GET /api/v1/resources`, PREVIEW) lists the MCP servers; each
//   Resource carries `connection_details` ("details of the own auth connection, if any":
//   the conn_ id and its settings), and UpdateResource writes the BYOA login endpoint as
//   `custom_connection_settings.authorize_uri`. That is where the login endpoint can be read back.
// Both are reads (HTTP GET). Neither is in the public API reference, so any answer other than
// "found" or NOT_FOUND (UNIMPLEMENTED, PERMISSION_DENIED, ...) makes the check SKIP, never FAIL.
// updateLoginUserDetails is deliberately not used as a probe: with a made-up login request id its
// NOT_FOUND cannot tell an unknown connection from an unknown login request.

export type Lookup<T> = { kind: 'found'; value: T } | { kind: 'missing' } | { kind: 'unavailable'; reason: string }

export interface ConnectionFacts {
  enabled: boolean
}

export interface ResourceFacts {
  resourceId: string
  name: string
  connectionEnabled: boolean
  /** The BYOA login endpoint, when the connection's settings carry one. */
  loginEndpoint?: string
  /** The names (never the values) of the settings, to explain a missing login endpoint. */
  settingKeys: string[]
}

export interface ScalekitDirectory {
  findConnection(connectionId: string): Promise<Lookup<ConnectionFacts>>
  findResourceOf(connectionId: string): Promise<Lookup<ResourceFacts>>
  close(): void
}

export interface DirectoryParams {
  environmentUrl: string
  accessToken: string
  timeoutMs: number
}

function describeRpcError(error: ConnectError, rpc: string, timeoutMs: number): string {
  switch (error.code) {
    case Code.Unimplemented:
      return `this Scalekit environment does not offer ${rpc} (a preview API)`
    case Code.PermissionDenied:
    case Code.Unauthenticated:
      return `the API credentials may not call ${rpc} (${Code[error.code]})`
    case Code.DeadlineExceeded:
      return `${rpc} got no answer within ${timeoutMs} ms`
    case Code.Unavailable:
      return `${rpc}: Scalekit could not be reached (${error.rawMessage.slice(0, 120)})`
    default:
      return `${rpc} failed (${Code[error.code]})`
  }
}

function loginEndpointOf(settings: Record<string, unknown> | undefined): string | undefined {
  const value = settings?.authorize_uri ?? settings?.authorizeUri
  return typeof value === 'string' && value ? value : undefined
}

/** The directory over gRPC, as the SDK talks to Scalekit; closed after use so no session lingers. */
export function createGrpcDirectory({ environmentUrl, accessToken, timeoutMs }: DirectoryParams): ScalekitDirectory {
  const sessionManager = new Http2SessionManager(environmentUrl)
  const bearer: Interceptor = (next) => (request) => {
    request.header.set('authorization', `Bearer ${accessToken}`)
    return next(request)
  }
  const transport = createGrpcTransport({ baseUrl: environmentUrl, sessionManager, defaultTimeoutMs: timeoutMs, interceptors: [bearer] })
  const connections = createClient(ConnectionService, transport)
  const resources = createClient(ClientService, transport)

  return {
    async findConnection(connectionId) {
      try {
        const answer = await connections.getEnvironmentConnection({ connectionId })
        return { kind: 'found', value: { enabled: answer.connection?.enabled ?? true } }
      } catch (error) {
        const rpcError = ConnectError.from(error)
        if (rpcError.code === Code.NotFound) return { kind: 'missing' }
        return { kind: 'unavailable', reason: describeRpcError(rpcError, 'GetEnvironmentConnection', timeoutMs) }
      }
    },
    async findResourceOf(connectionId) {
      let pageToken = ''
      const seen = new Set<string>()
      try {
        for (let page = 0; page < MAX_RESOURCE_PAGES; page += 1) {
          const answer = await resources.listResources({ pageSize: RESOURCE_PAGE_SIZE, pageToken })
          const resource = answer.resources.find((candidate) => candidate.connectionDetails?.id === connectionId)
          if (resource) {
            const settings = resource.connectionDetails?.settings
            return {
              kind: 'found',
              value: {
                resourceId: resource.id,
                name: resource.name,
                connectionEnabled: resource.connectionDetails?.enabled ?? true,
                loginEndpoint: loginEndpointOf(settings),
                settingKeys: Object.keys(settings ?? {}),
              },
            }
          }
          if (!answer.nextPageToken || seen.has(answer.nextPageToken)) return { kind: 'missing' }
          seen.add(answer.nextPageToken)
          pageToken = answer.nextPageToken
        }
        return { kind: 'unavailable', reason: `more than ${MAX_RESOURCE_PAGES * RESOURCE_PAGE_SIZE} MCP servers; not all were searched` }
      } catch (error) {
        return { kind: 'unavailable', reason: describeRpcError(ConnectError.from(error), 'ListResources', timeoutMs) }
      }
    },
    close() {
      sessionManager.abort()
    },
  }
}

export function checkConnectionKnown(
  connectionId: string,
  environmentUrl: string,
  connection: Lookup<ConnectionFacts>,
  resource: Lookup<ResourceFacts>,
): Finding {
  const id = 'scalekit.connection'
  const disabledFix = 'Enable the connection in Dashboard > MCP Servers > your server ("Bring your own auth").'
  if (resource.kind === 'found') {
    const { name, resourceId, connectionEnabled } = resource.value
    const summary = `Scalekit knows ${connectionId}: the own-auth connection of MCP server "${name}" (${resourceId})`
    return connectionEnabled ? pass(id, `${summary}.`) : warn(id, `${summary}, but it is disabled.`, disabledFix)
  }
  if (connection.kind === 'found') {
    const summary = `Scalekit knows ${connectionId} (GetEnvironmentConnection)`
    return connection.value.enabled ? pass(id, `${summary}.`) : warn(id, `${summary}, but it is disabled.`, disabledFix)
  }
  if (connection.kind === 'missing') {
    return fail(
      id,
      `Scalekit does not know ${connectionId} in the environment ${environmentUrl} (GetEnvironmentConnection: not found).`,
      `Copy the Connection ID from ${CONNECTION_ID_PAGE} of this same environment; if it is right, SCALEKIT_ENVIRONMENT_URL and the API credentials belong to another environment.`,
    )
  }
  return skip(
    id,
    `Cannot ask Scalekit whether it knows ${connectionId}: ${connection.reason}.`,
    `Compare by hand: ${CONNECTION_ID_PAGE} must show ${connectionId}, in the environment ${environmentUrl}.`,
  )
}

export function checkLoginEndpoint(connectionId: string, appOrigin: string, resource: Lookup<ResourceFacts>): Finding {
  const id = 'scalekit.login-endpoint'
  const expected = `${appOrigin}/login`
  const byHand = `Compare by hand: ${LOGIN_ENDPOINT_PAGE} must be exactly ${expected}.`
  if (resource.kind === 'unavailable') return skip(id, `Cannot read the login endpoint from Scalekit: ${resource.reason}.`, byHand)
  if (resource.kind === 'missing') {
    return skip(id, `No MCP server Scalekit lists names ${connectionId} as its own-auth connection, so its login endpoint cannot be read.`, byHand)
  }
  const { name, loginEndpoint, settingKeys } = resource.value
  if (!loginEndpoint) {
    const keys = settingKeys.length ? settingKeys.join(', ') : 'none'
    return skip(id, `MCP server "${name}" shows no login endpoint in its connection settings (keys: ${keys}).`, byHand)
  }
  if (loginEndpoint === expected) return pass(id, `MCP server "${name}" sends people to ${expected}.`)
  const setIt = `Set ${LOGIN_ENDPOINT_PAGE} to ${expected} (or, if the bridge really answers at ${loginEndpoint}, set APP_URL to that origin).`
  if (loginEndpoint.replace(/\/+$/, '') === expected) {
    return warn(id, `MCP server "${name}" sends people to ${loginEndpoint}: works through a redirect, one hop slower.`, setIt)
  }
  return fail(id, `MCP server "${name}" sends people to ${loginEndpoint}, not ${expected}.`, setIt)
}

// ---------------------------------------------------------------------------------------------
// 5. APP_URL: https, DNS, /api/health on one stable host.

/** A redirect may upgrade http to https on the same host; anything else moves the bridge. */
function isSameHost(from: URL, to: URL): boolean {
  if (from.hostname !== to.hostname) return false
  if (from.port === to.port) return true
  return from.protocol === 'http:' && to.protocol === 'https:'
}

/** Where a 3xx points to; undefined for anything else, a redirect without Location included. */
function redirectTarget(response: Response, base: URL): URL | undefined {
  const location = response.headers.get('location')
  if (response.status < 300 || response.status >= 400 || !location) return undefined
  try {
    return new URL(location, base)
  } catch {
    return undefined
  }
}

type Fetched =
  | { kind: 'response'; response: Response; url: URL; redirects: number }
  | { kind: 'moved'; from: URL; to: URL }
  | { kind: 'error'; reason: string }

/** GET that follows redirects only while they stay on the starting host. */
async function getOnSameHost(fetchImpl: FetchLike, start: URL, timeoutMs: number): Promise<Fetched> {
  let url = start
  for (let redirects = 0; ; redirects += 1) {
    let response: Response
    try {
      response = await fetchImpl(url.href, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
    } catch (error) {
      return { kind: 'error', reason: describeNetworkError(error, timeoutMs) }
    }
    const next = redirectTarget(response, url)
    if (!next || redirects >= MAX_REDIRECTS) return { kind: 'response', response, url, redirects }
    await response.body?.cancel()
    if (!isSameHost(start, next)) return { kind: 'moved', from: url, to: next }
    url = next
  }
}

export interface AppUrlResult {
  findings: Finding[]
  /** The origin the HTTP checks that follow may use; undefined when the bridge cannot be reached. */
  reachableOrigin?: string
}

function checkScheme(app: URL): Finding {
  const id = 'app-url.https'
  if (app.protocol === 'https:') return pass(id, `APP_URL is https (${app.origin}).`)
  if (app.protocol === 'http:' && isLoopbackHost(app.hostname)) {
    return warn(
      id,
      `APP_URL is plain http on a loopback host (${app.origin}): reachable from this machine only.`,
      'For a deployment, serve the bridge over https and set APP_URL to that origin; Scalekit requires an https login endpoint.',
    )
  }
  return fail(id, `APP_URL is not https (${app.origin}).`, 'Serve the bridge over https (terminate TLS at your proxy) and set APP_URL to the https origin.')
}

async function checkDns(app: URL, lookup: (hostname: string) => Promise<unknown>): Promise<Finding> {
  const id = 'app-url.dns'
  const host = app.hostname.replace(/^\[|\]$/g, '')
  if (net.isIP(host)) return pass(id, `APP_URL's host is an IP address (${host}); nothing to resolve.`)
  try {
    await lookup(host)
    return pass(id, `${host} resolves.`)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return fail(
      id,
      `${host} does not resolve${typeof code === 'string' ? ` (${code})` : ''}.`,
      `Create the DNS record of ${host} (pointing at your proxy or load balancer), or correct APP_URL.`,
    )
  }
}

function movedFinding(id: string, path: string, moved: { from: URL; to: URL }): Finding {
  return fail(
    id,
    `GET ${path} redirects from ${moved.from.host} to another host (${moved.to.origin}): APP_URL is not the host that answers.`,
    `Set APP_URL to the host the bridge really answers at (and Scalekit's login endpoint to {APP_URL}/login), or remove that redirect at your proxy/CDN. MCP clients cache the login URL, so it must stay on one host.`,
  )
}

async function checkHealth(app: URL, fetchImpl: FetchLike, timeoutMs: number): Promise<{ finding: Finding; reachable: boolean }> {
  const id = 'app-url.health'
  const fetched = await getOnSameHost(fetchImpl, new URL('/api/health', app), timeoutMs)
  if (fetched.kind === 'error') {
    return {
      finding: fail(
        id,
        `${app.origin} is unreachable: ${fetched.reason}.`,
        'Check that the bridge runs (npm start) and that APP_URL reaches it: DNS, proxy routes, firewall, TLS certificate.',
      ),
      reachable: false,
    }
  }
  if (fetched.kind === 'moved') return { finding: movedFinding(id, '/api/health', fetched), reachable: true }
  const { response, redirects } = fetched
  const body = await response.text().catch(() => '')
  let ok = false
  try {
    ok = (JSON.parse(body) as { status?: unknown }).status === 'ok'
  } catch {
    ok = false
  }
  const via = redirects ? ` after ${redirects} redirect${redirects === 1 ? '' : 's'} on the same host` : ''
  if (response.status === 200 && ok) return { finding: pass(id, `GET ${app.origin}/api/health answered 200 {"status":"ok"}${via}.`), reachable: true }
  return {
    finding: fail(
      id,
      `GET ${app.origin}/api/health answered HTTP ${response.status}${ok ? '' : ' without {"status":"ok"}'}${via}: the bridge does not answer at APP_URL.`,
      'Check that the bridge runs (npm start) and that your proxy routes APP_URL to it.',
    ),
    reachable: true,
  }
}

export async function checkAppUrl(
  source: EnvSource,
  fetchImpl: FetchLike,
  lookup: (hostname: string) => Promise<unknown>,
  timeoutMs: number,
): Promise<AppUrlResult> {
  const app = parseUrl(text(source, 'APP_URL'))
  if (!app || (app.protocol !== 'http:' && app.protocol !== 'https:')) {
    return { findings: [skip('app-url', 'APP_URL is not set to an http(s) URL: nothing to reach.', ENV_FIXES.APP_URL!)] }
  }
  const findings = [checkScheme(app)]
  const dns = await checkDns(app, lookup)
  findings.push(dns)
  if (dns.status === 'fail') return { findings }
  const health = await checkHealth(app, fetchImpl, timeoutMs)
  findings.push(health.finding)
  return { findings, reachableOrigin: health.reachable ? app.origin : undefined }
}

// ---------------------------------------------------------------------------------------------
// 6. The login endpoint's headers, as a browser receives them through everything in front.

const COOP_FIX =
  'Something in front of the bridge (proxy, CDN, platform security headers) overrides Cross-Origin-Opener-Policy on /login: remove it there or set it to unsafe-none for /login and /api/auth. Popup-based MCP clients otherwise report "window closed too soon".'

function headerTokens(value: string | null): string[] {
  // Several headers of one name arrive joined by ", "; directives are separated by ";".
  return (value ?? '')
    .split(/[,;]/)
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean)
}

function checkCoop(id: string, path: string, response: Response): Finding {
  const header = response.headers.get('cross-origin-opener-policy')
  const value = header?.split(';')[0]?.trim().toLowerCase()
  const what = `GET ${path} (HTTP ${response.status})`
  if (value === 'unsafe-none') return pass(id, `${what} sends Cross-Origin-Opener-Policy: unsafe-none.`)
  if (!header) {
    // Browsers treat a missing header as unsafe-none, so popups still work; but the bridge always
    // sends one, so its absence means a layer in front rewrites the login responses.
    return warn(id, `${what} sends no Cross-Origin-Opener-Policy (browsers default to unsafe-none), though the bridge sets one.`, COOP_FIX)
  }
  return fail(id, `${what} sends Cross-Origin-Opener-Policy: ${header}: popup MCP clients lose their window.`, COOP_FIX)
}

function checkReferrerPolicy(response: Response): Finding {
  const id = 'login.referrer-policy'
  const header = response.headers.get('referrer-policy')
  // With several policies, browsers apply the last one they understand.
  const last = headerTokens(header).at(-1)
  if (last === 'no-referrer') return pass(id, 'GET /login sends Referrer-Policy: no-referrer.')
  return warn(
    id,
    `GET /login sends Referrer-Policy: ${header ?? '(none)'}, not no-referrer.`,
    'A proxy/CDN in front overrides the bridge\'s Referrer-Policy: let it through, so login request ids and states never leave in a Referer header.',
  )
}

function checkFrameAncestors(response: Response): Finding {
  const id = 'login.frame-ancestors'
  const policy = response.headers.get('content-security-policy')
  const directives = headerTokens(policy).map((directive) => directive.replace(/\s+/g, ' '))
  if (directives.includes("frame-ancestors 'none'")) return pass(id, "GET /login's Content-Security-Policy has frame-ancestors 'none'.")
  return warn(
    id,
    `GET /login's Content-Security-Policy has no frame-ancestors 'none' (${policy ? 'replaced or changed' : 'no policy at all'}).`,
    'A proxy/CDN in front replaces the bridge\'s Content-Security-Policy: let it through, so no other site can frame the sign-in page (clickjacking).',
  )
}

async function getOnce(fetchImpl: FetchLike, url: URL, timeoutMs: number): Promise<Response | string> {
  try {
    const response = await fetchImpl(url.href, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
    await response.body?.cancel()
    return response
  } catch (error) {
    return describeNetworkError(error, timeoutMs)
  }
}

/**
 * GET /login without parameters: the bridge answers 400 (a problem page) and records nothing,
 * since only a request carrying login_request_id and state reaches the ledger.
 */
export async function checkLoginHeaders(appOrigin: string, fetchImpl: FetchLike, timeoutMs: number): Promise<Finding[]> {
  const findings: Finding[] = []
  const unreachable = (id: string, path: string, reason: string) =>
    fail(id, `GET ${path} failed: ${reason}.`, 'Check that the bridge runs and that your proxy routes /login to it.')

  const login = await getOnce(fetchImpl, new URL('/login', appOrigin), timeoutMs)
  if (typeof login === 'string') {
    findings.push(unreachable('login.coop', '/login', login))
  } else {
    findings.push(checkCoop('login.coop', '/login', login), checkReferrerPolicy(login), checkFrameAncestors(login))
  }

  const slash = await getOnce(fetchImpl, new URL('/login/', appOrigin), timeoutMs)
  if (typeof slash === 'string') {
    findings.push(unreachable('login-slash.coop', '/login/', slash))
    return findings
  }
  const target = redirectTarget(slash, new URL(appOrigin))
  if (target && !isSameHost(new URL(appOrigin), target)) {
    findings.push(movedFinding('login-slash.coop', '/login/', { from: new URL(appOrigin), to: target }))
  } else {
    findings.push(checkCoop('login-slash.coop', '/login/', slash))
  }
  return findings
}

// ---------------------------------------------------------------------------------------------
// /api/ready, where the bridge has it: 200 ready, 503 with the part that is not.

const READY_FIXES: Record<string, string> = {
  database: 'check DATABASE_URL and that the database accepts the bridge\'s connections',
  scalekit: 'see the scalekit.* lines (credentials, environment URL, reachability from the bridge\'s host)',
}

function readyDetail(part: Record<string, unknown>): string | undefined {
  for (const key of ['error', 'message', 'detail', 'reason']) {
    const value = part[key]
    if (typeof value === 'string' && value) return value.slice(0, 160)
  }
  return undefined
}

export async function checkReady(appOrigin: string, fetchImpl: FetchLike, timeoutMs: number): Promise<Finding> {
  const id = 'ready'
  const url = `${appOrigin}/api/ready`
  let response: Response
  try {
    response = await fetchImpl(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
  } catch (error) {
    return warn(id, `GET ${url} failed: ${describeNetworkError(error, timeoutMs)}.`, 'Check the bridge\'s logs.')
  }
  const body = await response.text().catch(() => '')
  if (response.status === 404) {
    return skip(id, `GET ${url} answered 404: this version of the bridge has no readiness endpoint.`, 'Nothing to do; update the bridge to get one.')
  }
  if (response.status === 200) return pass(id, `GET ${url} answered 200: ready.`)
  if (response.status !== 503) {
    return warn(id, `GET ${url} answered HTTP ${response.status} (expected 200, or 503 when not ready).`, 'Check the bridge\'s logs and the proxy in front of /api/ready.')
  }
  let checks: Record<string, unknown> = {}
  try {
    const parsed = JSON.parse(body) as { checks?: unknown }
    if (parsed.checks && typeof parsed.checks === 'object') checks = parsed.checks as Record<string, unknown>
  } catch {
    // A 503 without the bridge's JSON comes from something in front of it.
  }
  const failing = Object.entries(checks).filter(
    (entry): entry is [string, Record<string, unknown>] =>
      typeof entry[1] === 'object' && entry[1] !== null && (entry[1] as { ok?: unknown }).ok !== true,
  )
  if (!failing.length) {
    return fail(id, `GET ${url} answered 503 without naming a failing part.`, 'Check the bridge\'s logs, and whether a proxy in front answers 503.')
  }
  const parts = failing.map(([name, part]) => {
    const detail = readyDetail(part)
    return detail ? `${name} (${detail})` : name
  })
  const fixes = failing.map(([name]) => `${name}: ${READY_FIXES[name] ?? 'see the bridge\'s logs'}`)
  return fail(id, `GET ${url} answered 503, not ready: ${parts.join(', ')}.`, `${fixes.join('; ')}.`)
}

// ---------------------------------------------------------------------------------------------
// Never print a secret, not even one echoed back by a server.

export function secretValues(source: EnvSource, extra: string[] = []): string[] {
  const values = Object.entries(source)
    .filter(([key, value]) => value && /SECRET|TOKEN|PASSWORD|PRIVATE_KEY/i.test(key))
    .map(([, value]) => value!.trim())
  values.push(...extra)
  const database = parseUrl(source.DATABASE_URL?.trim())
  if (database?.password) {
    values.push(database.password)
    try {
      values.push(decodeURIComponent(database.password))
    } catch {
      // A malformed escape: the raw form above is what would be printed.
    }
  }
  // Very short values would blank out ordinary words; none of those is a real secret anyway.
  return [...new Set(values.filter((value) => value.length >= 6))].sort((a, b) => b.length - a.length)
}

export function redactFinding(finding: Finding, secrets: string[]): Finding {
  const redact = (value: string) => secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), value)
  return { ...finding, summary: redact(finding.summary), ...(finding.fix ? { fix: redact(finding.fix) } : {}) }
}

// ---------------------------------------------------------------------------------------------

export interface DoctorOptions {
  fetch?: FetchLike
  lookup?: (hostname: string) => Promise<unknown>
  /** Deadline of each request to APP_URL. Scalekit calls use SCALEKIT_TIMEOUT_MS. */
  timeoutMs?: number
  directory?: (params: DirectoryParams) => ScalekitDirectory
}

function scalekitTimeout(source: EnvSource): number {
  const value = Number(text(source, 'SCALEKIT_TIMEOUT_MS'))
  return Number.isInteger(value) && value >= 100 && value <= 60_000 ? value : DEFAULT_TIMEOUT_MS
}

async function checkScalekitDirectory(
  source: EnvSource,
  credentials: CredentialsResult,
  createDirectory: (params: DirectoryParams) => ScalekitDirectory,
): Promise<Finding[]> {
  const connectionId = text(source, 'SCALEKIT_CONNECTION_ID') ?? ''
  const app = parseUrl(text(source, 'APP_URL'))
  const environment = parseUrl(text(source, 'SCALEKIT_ENVIRONMENT_URL'))
  const manualConnection = `Compare by hand: ${CONNECTION_ID_PAGE} must show the value of SCALEKIT_CONNECTION_ID.`
  const manualEndpoint = `Compare by hand: ${LOGIN_ENDPOINT_PAGE} must be exactly ${app ? `${app.origin}/login` : '{APP_URL}/login'}.`
  const blocked = !credentials.accessToken
    ? 'needs client credentials Scalekit accepts (see scalekit.credentials)'
    : !CONNECTION_ID_PATTERN.test(connectionId)
      ? 'needs a conn_ SCALEKIT_CONNECTION_ID (see connection-id)'
      : undefined
  if (blocked || !environment) {
    const reason = blocked ?? 'needs SCALEKIT_ENVIRONMENT_URL'
    return [
      skip('scalekit.connection', `Not checked: ${reason}.`, manualConnection),
      skip('scalekit.login-endpoint', `Not checked: ${reason}.`, manualEndpoint),
    ]
  }
  const directory = createDirectory({
    environmentUrl: environment.origin,
    accessToken: credentials.accessToken!,
    timeoutMs: scalekitTimeout(source),
  })
  try {
    const connection = await directory.findConnection(connectionId)
    const resource = await directory.findResourceOf(connectionId)
    const findings = [checkConnectionKnown(connectionId, environment.origin, connection, resource)]
    findings.push(
      app
        ? checkLoginEndpoint(connectionId, app.origin, resource)
        : skip('scalekit.login-endpoint', 'Not checked: needs APP_URL.', manualEndpoint),
    )
    return findings
  } finally {
    directory.close()
  }
}

/** Every check, in the order a person fixes them: configuration, Scalekit, then the bridge's URL. */
export async function runDoctor(source: EnvSource, options: DoctorOptions = {}): Promise<Finding[]> {
  const fetchImpl = options.fetch ?? fetch
  const lookup = options.lookup ?? ((hostname: string) => dnsLookup(hostname))
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const findings: Finding[] = [...checkEnv(source), checkConnectionId(source)]

  const credentials = await checkCredentials(source, fetchImpl, scalekitTimeout(source))
  findings.push(credentials.finding)
  findings.push(...(await checkScalekitDirectory(source, credentials, options.directory ?? createGrpcDirectory)))

  const app = await checkAppUrl(source, fetchImpl, lookup, timeoutMs)
  findings.push(...app.findings)
  if (app.reachableOrigin) {
    findings.push(...(await checkLoginHeaders(app.reachableOrigin, fetchImpl, timeoutMs)))
    findings.push(await checkReady(app.reachableOrigin, fetchImpl, timeoutMs))
  } else {
    const reason = 'Not checked: the bridge cannot be reached at APP_URL (see the app-url lines).'
    const fix = 'Fix the app-url lines first, then run the doctor again.'
    findings.push(skip('login.coop', reason, fix), skip('login-slash.coop', reason, fix), skip('ready', reason, fix))
  }

  const secrets = secretValues(source, credentials.accessToken ? [credentials.accessToken] : [])
  return findings.map((finding) => redactFinding(finding, secrets))
}
