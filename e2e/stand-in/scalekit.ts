import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import http2 from 'node:http2'
import { createSecretRecorder } from '../support/issued-secrets'
import { handleAuthorize, handleClientRegistration, handleMetadata } from './authorization-server'
import { handleControlRequest } from './control-api'
import { receiveSpans } from '../otlp/receiver'
import { createDualProtocolServer } from './dual-protocol-server'
import { createGrpcHandler, type Http2Handler } from './grpc-auth-service'
import { BodyTooLargeError, hostForUrl, isLoopbackHost, sendJson } from './http-helpers'
import { handlePartnerCallback } from './partner-callback'
import { handleRestUserDetails } from './rest-user-details'
import { createSigningKeys } from './signing-keys'
import { StandInStore, type StandInConfig, type StandInContext } from './stand-in-store'
import { handleTokenRequest } from './token-endpoint'

export interface ScalekitStandInOptions {
  /** 0 picks a free port. */
  port?: number
  host?: string
  bridgeLoginUrl?: string
  clientId?: string
  clientSecret?: string
  connectionId?: string
  resourceId?: string
  resourceUrl?: string
  loginRequestTtlSeconds?: number
  /** Lifetime of every access token it issues; 1 h like the real service. */
  accessTokenTtlSeconds?: number
  /**
   * When set, every token, code and state it issues is appended to this file, so the e2e run can
   * prove none of them reached a log (e2e/tools/scan-logs.ts). Off by default.
   */
  secretsFile?: string
}

export interface ScalekitStandIn {
  /** The environment URL to give the SDK (SCALEKIT_ENVIRONMENT_URL). */
  url: string
  port: number
  /** Authorization server issuer for MCP clients: `{url}/resources/{resourceId}`. */
  issuer: string
  jwksUrl: string
  config: Readonly<StandInConfig>
  close(): Promise<void>
}

type StandInSettings = Required<Omit<ScalekitStandInOptions, 'secretsFile'>> & Pick<ScalekitStandInOptions, 'secretsFile'>

const STAND_IN_DEFAULTS: Readonly<StandInSettings> = {
  port: 4010,
  host: '127.0.0.1',
  bridgeLoginUrl: 'http://localhost:3000/login',
  clientId: 'skc_demo_bridge',
  clientSecret: 'demo-bridge-client-secret-change-me',
  connectionId: 'conn_demo00000001',
  resourceId: 'res_demo00000001',
  resourceUrl: 'http://localhost:4020/mcp',
  loginRequestTtlSeconds: 600,
  accessTokenTtlSeconds: 3600,
}

const CORS_PREFLIGHT = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, mcp-protocol-version',
  'access-control-max-age': '600',
}

export function readStandInOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ScalekitStandInOptions {
  const number = (value: string | undefined) => (value ? Number(value) : undefined)
  return {
    port: number(env.STANDIN_PORT),
    host: env.STANDIN_HOST || undefined,
    bridgeLoginUrl: env.STANDIN_BRIDGE_LOGIN_URL || undefined,
    clientId: env.STANDIN_CLIENT_ID || undefined,
    clientSecret: env.STANDIN_CLIENT_SECRET || undefined,
    connectionId: env.STANDIN_CONNECTION_ID || undefined,
    resourceId: env.STANDIN_RESOURCE_ID || undefined,
    resourceUrl: env.STANDIN_RESOURCE_URL || undefined,
    loginRequestTtlSeconds: number(env.STANDIN_LOGIN_REQUEST_TTL_SECONDS),
    secretsFile: env.STANDIN_SECRETS_FILE || undefined,
  }
}

export async function startScalekitStandIn(options: ScalekitStandInOptions = {}): Promise<ScalekitStandIn> {
  const settings: StandInSettings = { ...STAND_IN_DEFAULTS, ...withoutUndefined(options) }
  assertValidSettings(settings)

  // Both are set once the server listens and its keys exist; a request before then gets a 503.
  const ready: { context?: StandInContext } = {}
  const grpcHandler: { current?: Http2Handler } = {}
  const http1Server = http.createServer((req, res) => {
    if (!ready.context) return sendJson(res, 503, { error: 'starting' })
    void routeHttpRequest(ready.context, req, res)
  })
  const http2Server = http2.createServer((req, res) => {
    if (!grpcHandler.current) {
      res.writeHead(503)
      res.end()
      return
    }
    grpcHandler.current(req, res)
  })
  const server = createDualProtocolServer(http1Server, http2Server)
  const keys = await createSigningKeys()
  const port = await server.listen(settings.port, settings.host)

  const baseUrl = `http://${hostForUrl(settings.host)}:${port}`
  const config: StandInConfig = {
    baseUrl,
    issuer: `${baseUrl}/resources/${settings.resourceId}`,
    bridgeLoginUrl: settings.bridgeLoginUrl,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    connectionId: settings.connectionId,
    resourceId: settings.resourceId,
    resourceUrl: settings.resourceUrl,
    loginRequestTtlSeconds: settings.loginRequestTtlSeconds,
    accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
  }
  const store = new StandInStore(config, createSecretRecorder(settings.secretsFile))
  const context: StandInContext = {
    config,
    store,
    keys,
    refuseConnections(ms) {
      server.refuseConnections(ms)
      // The switch ends with the outage, so nothing else needs to turn it off.
      setTimeout(() => {
        if (store.faults.userDetails === 'connection_refused') store.faults.userDetails = 'none'
      }, ms)
    },
  }
  ready.context = context
  grpcHandler.current = createGrpcHandler(context)

  return {
    url: baseUrl,
    port,
    issuer: config.issuer,
    jwksUrl: `${baseUrl}/keys`,
    config,
    close: () => server.close(),
  }
}

async function routeHttpRequest(context: StandInContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', context.config.baseUrl)
    if (!(await dispatch(context, req, res, url))) sendJson(res, 404, { error: 'not found' })
  } catch (error) {
    if (res.headersSent) {
      res.destroy()
      return
    }
    if (error instanceof BodyTooLargeError) return sendJson(res, 413, { error: error.message })
    sendJson(res, 500, { error: 'stand-in internal error' })
  }
}

async function dispatch(context: StandInContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const { resourceId } = context.config
  const path = url.pathname
  const method = req.method ?? 'GET'

  if (method === 'OPTIONS') {
    res.writeHead(204, CORS_PREFLIGHT)
    res.end()
    return true
  }
  if (path.startsWith('/_standin/')) return handleControlRequest(context, req, res, path)
  if (path === '/v1/traces' || path === '/_otlp/spans') return receiveSpans(req, res, url)
  if (method === 'GET' && path === '/keys') {
    sendJson(res, 200, context.keys.jwks, { 'access-control-allow-origin': '*' })
    return true
  }
  if (method === 'POST' && path === '/oauth/token') {
    await handleTokenRequest(context, req, res)
    return true
  }
  if (method === 'GET' && path === '/oauth/authorize') {
    handleAuthorize(context, url, res)
    return true
  }
  const metadataPaths = [
    `/.well-known/oauth-authorization-server/resources/${resourceId}`,
    `/resources/${resourceId}/.well-known/oauth-authorization-server`,
    `/.well-known/openid-configuration/resources/${resourceId}`,
    `/resources/${resourceId}/.well-known/openid-configuration`,
  ]
  if (method === 'GET' && metadataPaths.includes(path)) {
    handleMetadata(context, res)
    return true
  }
  if (method === 'POST' && path === `/resources/${resourceId}/register`) {
    await handleClientRegistration(context, req, res)
    return true
  }
  const userDetails = /^\/api\/v1\/connections\/([^/]+)\/auth-requests\/([^/]+)\/user$/.exec(path)
  if (userDetails) {
    if (method !== 'POST') return false
    await handleRestUserDetails(context, req, res, decodePathSegment(userDetails[1]), decodePathSegment(userDetails[2]))
    return true
  }
  const callback = /^\/sso\/v1\/connections\/([^/]+)\/partner(?::|%3A)callback$/i.exec(path)
  if (method === 'GET' && callback) {
    handlePartnerCallback(context, decodePathSegment(callback[1]), url, res)
    return true
  }
  return false
}

function decodePathSegment(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '')
  } catch {
    return ''
  }
}

function assertValidSettings(settings: StandInSettings): void {
  if (!isLoopbackHost(settings.host)) throw new Error('the stand-in only listens on loopback hosts')
  if (!Number.isInteger(settings.port) || settings.port < 0) throw new Error('port must be a non-negative integer')
  if (!settings.connectionId.startsWith('conn_')) throw new Error('connectionId must look like conn_...')
  if (!settings.resourceId.startsWith('res_')) throw new Error('resourceId must look like res_...')
  if (!(settings.loginRequestTtlSeconds > 0)) throw new Error('loginRequestTtlSeconds must be positive')
  new URL(settings.bridgeLoginUrl)
  new URL(settings.resourceUrl)
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>
}
