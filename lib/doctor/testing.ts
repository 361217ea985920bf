import http from 'node:http'
import http2 from 'node:http2'
import { Code, ConnectError } from '@connectrpc/connect'
import { connectNodeAdapter } from '@connectrpc/connect-node'
import { ClientService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb'
import { ConnectionService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connections/connections_pb'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { startScalekitStandIn, type ScalekitStandIn } from '../../e2e/stand-in/scalekit'
import type { EnvSource, Finding } from './findings'

// The doctor's tests run every check against real local servers: the Scalekit stand-in for the
// token endpoint, a node:http server that answers like the bridge (headers, redirects, health,
// readiness), and a gRPC server with Scalekit's own service descriptors for the directory lookups.

export const SESSION_SECRET = 'session-secret-for-the-doctor-test-0123456789'
export const AUTH_SECRET = 'auth-secret-for-the-doctor-test-abcdefghijklmn'
export const WRONG_SECRET = 'wrong-client-secret-never-printed-7f3a9c'
export const TIMEOUT_MS = 3000
export const DIRECTORY_TOKEN = 'directory-test-access-token'
/** The second stand-in's client and connection (setUpDoctorServers({ otherStandIn: true })). */
export const OTHER_ENVIRONMENT = {
  clientId: 'skc_doctor_other',
  clientSecret: 'other-environment-client-secret-5d1e8b',
  connectionId: 'conn_other00000001',
}

// ---- a stand-in for the bridge's outside: what a browser sees at APP_URL --------------------

interface BridgeBehaviour {
  coop: string | null
  referrerPolicy: string
  csp: string
  /** Where /api/health redirects to, if anywhere. */
  healthRedirect?: string
  /** Cross-Origin-Opener-Policy of /login/{key}, per key, where it differs from `coop`. */
  serverCoop?: Record<string, string | null>
  ready: { status: number; body?: unknown }
}

export const GOOD_BRIDGE: BridgeBehaviour = {
  coop: 'unsafe-none',
  referrerPolicy: 'no-referrer',
  csp: "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  ready: { status: 200, body: { status: 'ok' } },
}

interface DirectoryData {
  connections: Record<string, { enabled: boolean }>
  /** One resource per page, so the lookup has to follow next_page_token. */
  resources: Array<{ id: string; name: string; connectionId: string; settings: Record<string, string> }>
}

/** The running servers, and what they answer: behaviour, bridgeRequests and directoryData reset before each test. */
export interface DoctorServers {
  standIn: ScalekitStandIn
  /** A second Scalekit environment, with its own client credentials, when asked for. */
  otherStandIn: ScalekitStandIn
  bridgeUrl: string
  directoryUrl: string
  behaviour: BridgeBehaviour
  bridgeRequests: string[]
  directoryData: DirectoryData
  /** An environment every check passes with, but for the overrides. */
  validEnv(overrides?: EnvSource): EnvSource
}

function buildLoginHeaders(behaviour: BridgeBehaviour, key?: string): Record<string, string> {
  const headers: Record<string, string> = {
    'referrer-policy': behaviour.referrerPolicy,
    'content-security-policy': behaviour.csp,
    'cache-control': 'no-store',
  }
  const coop = key !== undefined && behaviour.serverCoop && key in behaviour.serverCoop ? behaviour.serverCoop[key]! : behaviour.coop
  if (coop !== null) headers['cross-origin-opener-policy'] = coop
  return headers
}

/** /login and /login/{key} as the bridge answers them without login_request_id and state: a problem page, nothing recorded. */
function answerLogin(pathname: string, behaviour: BridgeBehaviour, res: http.ServerResponse): boolean {
  const match = /^\/login(?:\/([a-z0-9-]+))?(\/?)$/.exec(pathname)
  if (!match) return false
  const [, key, slash] = match
  if (slash) {
    res.writeHead(308, { ...buildLoginHeaders(behaviour, key), location: pathname.slice(0, -1) })
    res.end()
  } else {
    res.writeHead(400, { ...buildLoginHeaders(behaviour, key), 'content-type': 'text/html' })
    res.end('<h1>This sign-in link is incomplete</h1>')
  }
  return true
}

function createFakeBridge(servers: DoctorServers): http.Server {
  return http.createServer((req, res) => {
    const { behaviour } = servers
    servers.bridgeRequests.push(req.url ?? '')
    const { pathname } = new URL(req.url ?? '/', 'http://bridge.invalid')
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (pathname === '/api/health') {
      if (behaviour.healthRedirect) {
        res.writeHead(302, { location: behaviour.healthRedirect })
        return res.end()
      }
      return json(200, { status: 'ok' })
    }
    if (answerLogin(pathname, behaviour, res)) return
    if (pathname === '/api/ready') {
      if (behaviour.ready.body === undefined) {
        res.writeHead(behaviour.ready.status)
        return res.end()
      }
      return json(behaviour.ready.status, behaviour.ready.body)
    }
    res.writeHead(404, { 'cross-origin-opener-policy': 'same-origin' })
    res.end()
  })
}

// ---- Scalekit's management API over gRPC, with the SDK's descriptors ------------------------

function createDirectoryServer(servers: DoctorServers): http2.Http2Server {
  return http2.createServer(
    connectNodeAdapter({
      grpc: true,
      connect: false,
      grpcWeb: false,
      interceptors: [
        (next) => async (request) => {
          if (request.header.get('authorization') !== `Bearer ${DIRECTORY_TOKEN}`) {
            throw new ConnectError('bad token', Code.Unauthenticated)
          }
          return next(request)
        },
      ],
      routes: (router) => {
        router.service(ConnectionService, {
          async getEnvironmentConnection(request) {
            const connection = servers.directoryData.connections[request.connectionId]
            if (!connection) throw new ConnectError('connection not found', Code.NotFound)
            return { connection: { id: request.connectionId, enabled: connection.enabled } }
          },
        })
        router.service(ClientService, {
          async listResources(request) {
            const { resources } = servers.directoryData
            const index = request.pageToken ? Number(request.pageToken) : 0
            const resource = resources[index]
            if (!resource) return { resources: [] }
            return {
              resources: [
                {
                  id: resource.id,
                  name: resource.name,
                  connectionDetails: { id: resource.connectionId, enabled: true, settings: resource.settings },
                },
              ],
              nextPageToken: index + 1 < resources.length ? String(index + 1) : '',
            }
          },
        })
      },
    }),
  )
}

// ---------------------------------------------------------------------------------------------

function listen(server: http.Server | http2.Http2Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    })
  })
}

/** Starts the three servers (four with `otherStandIn`) before the file's tests and stops them after; call once per test file. */
export function setUpDoctorServers(options: { otherStandIn?: boolean } = {}): DoctorServers {
  // standIn and the two URLs exist once beforeAll has run, before any test reads them.
  const servers = {
    behaviour: GOOD_BRIDGE,
    bridgeRequests: [],
    directoryData: { connections: {}, resources: [] },
    validEnv: (overrides: EnvSource = {}): EnvSource => ({
      APP_URL: servers.bridgeUrl,
      SCALEKIT_ENVIRONMENT_URL: servers.standIn.url,
      SCALEKIT_CLIENT_ID: servers.standIn.config.clientId,
      SCALEKIT_CLIENT_SECRET: servers.standIn.config.clientSecret,
      SCALEKIT_CONNECTION_ID: servers.standIn.config.connectionId,
      SESSION_SECRET,
      AUTH_SECRET,
      ...overrides,
    }),
  } as unknown as DoctorServers
  const fakeBridge = createFakeBridge(servers)
  const directoryServer = createDirectoryServer(servers)
  const directorySessions = new Set<http2.ServerHttp2Session>()
  directoryServer.on('session', (session) => {
    directorySessions.add(session)
    session.once('close', () => directorySessions.delete(session))
  })

  beforeAll(async () => {
    servers.standIn = await startScalekitStandIn({ port: 0 })
    if (options.otherStandIn) servers.otherStandIn = await startScalekitStandIn({ port: 0, ...OTHER_ENVIRONMENT })
    servers.bridgeUrl = `http://127.0.0.1:${await listen(fakeBridge)}`
    servers.directoryUrl = `http://127.0.0.1:${await listen(directoryServer)}`
  })
  afterAll(async () => {
    await servers.standIn?.close()
    await servers.otherStandIn?.close()
    fakeBridge.closeAllConnections()
    for (const session of directorySessions) session.destroy()
    await Promise.all([new Promise((resolve) => fakeBridge.close(resolve)), new Promise((resolve) => directoryServer.close(resolve))])
  })
  beforeEach(() => {
    servers.behaviour = GOOD_BRIDGE
    servers.bridgeRequests.length = 0
    servers.directoryData = { connections: {}, resources: [] }
  })
  return servers
}

export const byId = (findings: Finding[], id: string): Finding => {
  const finding = findings.find((candidate) => candidate.id === id)
  if (!finding) throw new Error(`no finding ${id} in ${findings.map((f) => f.id).join(', ')}`)
  return finding
}
