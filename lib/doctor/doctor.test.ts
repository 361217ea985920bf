import { execFile } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import os from 'node:os'
import path from 'node:path'
import { Code, ConnectError } from '@connectrpc/connect'
import { connectNodeAdapter } from '@connectrpc/connect-node'
import { ClientService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb'
import { ConnectionService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connections/connections_pb'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startScalekitStandIn, type ScalekitStandIn } from '../../e2e/stand-in/scalekit'
import { getFreePort } from '../../e2e/stand-in/test-support'
import { checkAppUrl } from './app-url'
import { checkCredentials } from './credentials'
import { createGrpcDirectory } from './directory'
import { checkConnectionKnown, checkLoginEndpoint } from './directory-checks'
import { checkConnectionId, checkEnv } from './env-checks'
import { redactFinding, secretValues, type EnvSource, type Finding } from './findings'
import { runDoctor } from './index'
import { checkLoginHeaders } from './login-headers'
import { checkReady } from './ready'

// Every check runs against real local servers: the Scalekit stand-in for the token endpoint, a
// node:http server that answers like the bridge (headers, redirects, health, readiness), and a
// gRPC server with Scalekit's own service descriptors for the directory lookups.

const ROOT = path.resolve(__dirname, '../..')
const SESSION_SECRET = 'session-secret-for-the-doctor-test-0123456789'
const AUTH_SECRET = 'auth-secret-for-the-doctor-test-abcdefghijklmn'
const WRONG_SECRET = 'wrong-client-secret-never-printed-7f3a9c'
const TIMEOUT_MS = 3000

// ---- a stand-in for the bridge's outside: what a browser sees at APP_URL --------------------

interface BridgeBehaviour {
  coop: string | null
  referrerPolicy: string
  csp: string
  /** Where /api/health redirects to, if anywhere. */
  healthRedirect?: string
  ready: { status: number; body?: unknown }
}

const GOOD_BRIDGE: BridgeBehaviour = {
  coop: 'unsafe-none',
  referrerPolicy: 'no-referrer',
  csp: "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  ready: { status: 200, body: { status: 'ok' } },
}

let behaviour: BridgeBehaviour = GOOD_BRIDGE
const bridgeRequests: string[] = []

function loginHeaders(): Record<string, string> {
  const headers: Record<string, string> = {
    'referrer-policy': behaviour.referrerPolicy,
    'content-security-policy': behaviour.csp,
    'cache-control': 'no-store',
  }
  if (behaviour.coop !== null) headers['cross-origin-opener-policy'] = behaviour.coop
  return headers
}

const fakeBridge = http.createServer((req, res) => {
  bridgeRequests.push(req.url ?? '')
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
  if (pathname === '/login') {
    // Like the bridge without login_request_id and state: a problem page, nothing recorded.
    res.writeHead(400, { ...loginHeaders(), 'content-type': 'text/html' })
    return res.end('<h1>This sign-in link is incomplete</h1>')
  }
  if (pathname === '/login/') {
    res.writeHead(308, { ...loginHeaders(), location: '/login' })
    return res.end()
  }
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

// ---- Scalekit's management API over gRPC, with the SDK's descriptors ------------------------

const DIRECTORY_TOKEN = 'directory-test-access-token'

interface DirectoryData {
  connections: Record<string, { enabled: boolean }>
  /** One resource per page, so the lookup has to follow next_page_token. */
  resources: Array<{ id: string; name: string; connectionId: string; settings: Record<string, string> }>
}

let directoryData: DirectoryData = { connections: {}, resources: [] }

const directoryServer = http2.createServer(
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
          const connection = directoryData.connections[request.connectionId]
          if (!connection) throw new ConnectError('connection not found', Code.NotFound)
          return { connection: { id: request.connectionId, enabled: connection.enabled } }
        },
      })
      router.service(ClientService, {
        async listResources(request) {
          const index = request.pageToken ? Number(request.pageToken) : 0
          const resource = directoryData.resources[index]
          if (!resource) return { resources: [] }
          return {
            resources: [
              {
                id: resource.id,
                name: resource.name,
                connectionDetails: { id: resource.connectionId, enabled: true, settings: resource.settings },
              },
            ],
            nextPageToken: index + 1 < directoryData.resources.length ? String(index + 1) : '',
          }
        },
      })
    },
  }),
)
const directorySessions = new Set<http2.ServerHttp2Session>()
directoryServer.on('session', (session) => {
  directorySessions.add(session)
  session.once('close', () => directorySessions.delete(session))
})

// ---------------------------------------------------------------------------------------------

let standIn: ScalekitStandIn
let bridgeUrl: string
let directoryUrl: string

function listen(server: http.Server | http2.Http2Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    })
  })
}

beforeAll(async () => {
  standIn = await startScalekitStandIn({ port: 0 })
  bridgeUrl = `http://127.0.0.1:${await listen(fakeBridge)}`
  directoryUrl = `http://127.0.0.1:${await listen(directoryServer)}`
})

afterAll(async () => {
  await standIn?.close()
  fakeBridge.closeAllConnections()
  for (const session of directorySessions) session.destroy()
  await Promise.all([
    new Promise((resolve) => fakeBridge.close(resolve)),
    new Promise((resolve) => directoryServer.close(resolve)),
  ])
})

beforeEach(() => {
  behaviour = GOOD_BRIDGE
  bridgeRequests.length = 0
  directoryData = { connections: {}, resources: [] }
})

function validEnv(overrides: EnvSource = {}): EnvSource {
  return {
    APP_URL: bridgeUrl,
    SCALEKIT_ENVIRONMENT_URL: standIn.url,
    SCALEKIT_CLIENT_ID: standIn.config.clientId,
    SCALEKIT_CLIENT_SECRET: standIn.config.clientSecret,
    SCALEKIT_CONNECTION_ID: standIn.config.connectionId,
    SESSION_SECRET,
    AUTH_SECRET,
    ...overrides,
  }
}

const byId = (findings: Finding[], id: string): Finding => {
  const finding = findings.find((candidate) => candidate.id === id)
  if (!finding) throw new Error(`no finding ${id} in ${findings.map((f) => f.id).join(', ')}`)
  return finding
}

describe('the configuration', () => {
  it('passes a valid environment with one line', () => {
    expect(checkEnv(validEnv())).toEqual([{ id: 'env', status: 'pass', summary: 'The configuration is valid: the bridge would start with it.' }])
  })

  it('fails each problem with its fix, leaving the connection id to its own check', () => {
    const findings = checkEnv(validEnv({ SESSION_SECRET: 'short', APP_URL: 'http://login.example.com', SCALEKIT_CONNECTION_ID: 'res_123' }))
    expect(findings[0]).toMatchObject({ id: 'env', status: 'fail', summary: '3 configuration problems: the bridge would refuse to start.' })
    expect(byId(findings, 'env.SESSION_SECRET')).toMatchObject({ status: 'fail', fix: expect.stringContaining('openssl rand -base64 32') })
    expect(byId(findings, 'env.APP_URL')).toMatchObject({ status: 'fail', summary: expect.stringContaining('APP_URL must use https') })
    expect(findings.map((finding) => finding.id)).not.toContain('env.SCALEKIT_CONNECTION_ID')
    expect(findings.every((finding) => !JSON.stringify(finding).includes(SESSION_SECRET))).toBe(true)
  })

  it('refuses a res_ id with the page that shows the conn_ id', () => {
    expect(checkConnectionId({ SCALEKIT_CONNECTION_ID: 'res_92015146095' })).toEqual({
      id: 'connection-id',
      status: 'fail',
      summary: "SCALEKIT_CONNECTION_ID is res_92015146095: a res_ id is the MCP server's resource id, not its connection.",
      fix: 'Copy the Connection ID (it starts with conn_) from Dashboard > MCP Servers > your server > Advanced Configurations > Connection ID into SCALEKIT_CONNECTION_ID.',
    })
    expect(checkConnectionId({ SCALEKIT_CONNECTION_ID: 'conn_69388798466720005' }).status).toBe('pass')
    expect(checkConnectionId({}).summary).toBe('SCALEKIT_CONNECTION_ID is not set.')
    expect(checkConnectionId({ SCALEKIT_CONNECTION_ID: 'conn-1' }).status).toBe('fail')
  })
})

describe('the client credentials, against the Scalekit stand-in', () => {
  it('passes the right secret and keeps the token out of the finding', async () => {
    const result = await checkCredentials(validEnv(), fetch, TIMEOUT_MS)
    expect(result.finding).toEqual({
      id: 'scalekit.credentials',
      status: 'pass',
      summary: `Scalekit accepted the client credentials (client_credentials grant at ${standIn.url}/oauth/token).`,
    })
    expect(result.accessToken).toMatch(/^ey/)
    expect(JSON.stringify(result.finding)).not.toContain(result.accessToken)
  })

  it('fails a wrong secret with the API Credentials page, without echoing the secret', async () => {
    const result = await checkCredentials(validEnv({ SCALEKIT_CLIENT_SECRET: WRONG_SECRET }), fetch, TIMEOUT_MS)
    expect(result.accessToken).toBeUndefined()
    expect(result.finding).toEqual({
      id: 'scalekit.credentials',
      status: 'fail',
      summary: 'Scalekit refused the client credentials (HTTP 401 invalid_client).',
      fix: `Copy SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET again from Dashboard > Settings > API Credentials of the environment ${standIn.url} (another environment's credentials are refused too).`,
    })
  })

  it('fails an unreachable environment as unreachable', async () => {
    const port = await getFreePort()
    const result = await checkCredentials(validEnv({ SCALEKIT_ENVIRONMENT_URL: `http://127.0.0.1:${port}` }), fetch, TIMEOUT_MS)
    expect(result.finding).toMatchObject({
      status: 'fail',
      summary: `Scalekit at http://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED).`,
      fix: expect.stringContaining('Check SCALEKIT_ENVIRONMENT_URL against Dashboard > Settings > API Credentials'),
    })
  })

  it('never sends the secret over plain http to another machine', async () => {
    let called = false
    const result = await checkCredentials(
      validEnv({ SCALEKIT_ENVIRONMENT_URL: 'http://acme.scalekit.dev' }),
      async () => {
        called = true
        throw new Error('must not be called')
      },
      TIMEOUT_MS,
    )
    expect(called).toBe(false)
    expect(result.finding.status).toBe('skip')
  })
})

describe('the connection and the login endpoint in Scalekit', () => {
  const CONN = 'conn_byoa0001'
  const directory = () => createGrpcDirectory({ environmentUrl: directoryUrl, accessToken: DIRECTORY_TOKEN, timeoutMs: TIMEOUT_MS })

  async function lookups(connectionId = CONN) {
    const dir = directory()
    try {
      return { connection: await dir.findConnection(connectionId), resource: await dir.findResourceOf(connectionId) }
    } finally {
      dir.close()
    }
  }

  it('passes when the MCP server using the connection sends people to {APP_URL}/login', async () => {
    directoryData = {
      connections: { [CONN]: { enabled: true } },
      resources: [
        { id: 'res_other', name: 'Other server', connectionId: 'conn_other', settings: { authorize_uri: 'https://other.example.com/login' } },
        { id: 'res_byoa', name: 'Acme MCP', connectionId: CONN, settings: { authorize_uri: 'https://login.acme.com/login' } },
      ],
    }
    const { connection, resource } = await lookups()
    expect(checkConnectionKnown(CONN, directoryUrl, connection, resource)).toEqual({
      id: 'scalekit.connection',
      status: 'pass',
      summary: `Scalekit knows ${CONN}: the own-auth connection of MCP server "Acme MCP" (res_byoa).`,
    })
    expect(checkLoginEndpoint(CONN, 'https://login.acme.com', resource)).toEqual({
      id: 'scalekit.login-endpoint',
      status: 'pass',
      summary: 'MCP server "Acme MCP" sends people to https://login.acme.com/login.',
    })
  })

  it('fails a login endpoint on another URL, and warns about a trailing slash', async () => {
    directoryData = {
      connections: { [CONN]: { enabled: true } },
      resources: [{ id: 'res_byoa', name: 'Acme MCP', connectionId: CONN, settings: { authorize_uri: 'https://old.acme.com/sign-in' } }],
    }
    const { resource } = await lookups()
    expect(checkLoginEndpoint(CONN, 'https://login.acme.com', resource)).toMatchObject({
      status: 'fail',
      summary: 'MCP server "Acme MCP" sends people to https://old.acme.com/sign-in, not https://login.acme.com/login.',
      fix: expect.stringContaining('"Bring your own auth" login endpoint to https://login.acme.com/login'),
    })
    directoryData.resources[0]!.settings = { authorize_uri: 'https://login.acme.com/login/' }
    expect(checkLoginEndpoint(CONN, 'https://login.acme.com', (await lookups()).resource).status).toBe('warn')
  })

  it('fails a connection Scalekit does not know', async () => {
    const { connection, resource } = await lookups()
    expect(connection).toEqual({ kind: 'missing' })
    expect(resource).toEqual({ kind: 'missing' })
    expect(checkConnectionKnown(CONN, directoryUrl, connection, resource)).toMatchObject({
      status: 'fail',
      summary: `Scalekit does not know ${CONN} in the environment ${directoryUrl} (GetEnvironmentConnection: not found).`,
      fix: expect.stringContaining('Advanced Configurations > Connection ID of this same environment'),
    })
    expect(checkLoginEndpoint(CONN, 'https://login.acme.com', resource)).toMatchObject({
      status: 'skip',
      fix: 'Compare by hand: Dashboard > MCP Servers > your server > "Bring your own auth" login endpoint must be exactly https://login.acme.com/login.',
    })
  })

  it('skips with the comparison to make by hand where Scalekit does not offer the lookups', async () => {
    // The stand-in serves only AuthService, as an environment without these preview APIs would.
    const token = (await checkCredentials(validEnv(), fetch, TIMEOUT_MS)).accessToken!
    const dir = createGrpcDirectory({ environmentUrl: standIn.url, accessToken: token, timeoutMs: TIMEOUT_MS })
    const connection = await dir.findConnection(standIn.config.connectionId)
    const resource = await dir.findResourceOf(standIn.config.connectionId)
    dir.close()
    expect(connection).toEqual({ kind: 'unavailable', reason: 'this Scalekit environment does not offer GetEnvironmentConnection (a preview API)' })
    expect(checkConnectionKnown(standIn.config.connectionId, standIn.url, connection, resource)).toMatchObject({
      status: 'skip',
      fix: `Compare by hand: Dashboard > MCP Servers > your server > Advanced Configurations > Connection ID must show ${standIn.config.connectionId}, in the environment ${standIn.url}.`,
    })
    expect(checkLoginEndpoint(standIn.config.connectionId, bridgeUrl, resource)).toEqual({
      id: 'scalekit.login-endpoint',
      status: 'skip',
      summary: 'Cannot read the login endpoint from Scalekit: this Scalekit environment does not offer ListResources (a preview API).',
      fix: `Compare by hand: Dashboard > MCP Servers > your server > "Bring your own auth" login endpoint must be exactly ${bridgeUrl}/login.`,
    })
  })
})

describe('the bridge at APP_URL', () => {
  const lookupNothing = async () => {
    throw new Error('an IP address needs no lookup')
  }

  it('passes the bridge\'s own headers on /login and /login/, without login parameters', async () => {
    const findings = await checkLoginHeaders(bridgeUrl, fetch, TIMEOUT_MS)
    expect(findings.map(({ id, status }) => [id, status])).toEqual([
      ['login.coop', 'pass'],
      ['login.referrer-policy', 'pass'],
      ['login.frame-ancestors', 'pass'],
      ['login-slash.coop', 'pass'],
    ])
    expect(byId(findings, 'login.coop').summary).toBe('GET /login (HTTP 400) sends Cross-Origin-Opener-Policy: unsafe-none.')
    expect(byId(findings, 'login-slash.coop').summary).toBe('GET /login/ (HTTP 308) sends Cross-Origin-Opener-Policy: unsafe-none.')
    // No login_request_id or state: nothing reaches the ledger.
    expect(bridgeRequests).toEqual(['/login', '/login/'])
  })

  it('fails COOP same-origin from a layer in front, and warns about a replaced Referrer-Policy and CSP', async () => {
    behaviour = { ...GOOD_BRIDGE, coop: 'same-origin', referrerPolicy: 'strict-origin-when-cross-origin', csp: "default-src 'self'" }
    const findings = await checkLoginHeaders(bridgeUrl, fetch, TIMEOUT_MS)
    expect(byId(findings, 'login.coop')).toMatchObject({
      status: 'fail',
      summary: 'GET /login (HTTP 400) sends Cross-Origin-Opener-Policy: same-origin: popup MCP clients lose their window.',
      fix: expect.stringContaining('Something in front of the bridge (proxy, CDN, platform security headers) overrides Cross-Origin-Opener-Policy'),
    })
    expect(byId(findings, 'login-slash.coop').status).toBe('fail')
    expect(byId(findings, 'login.referrer-policy')).toMatchObject({ status: 'warn', summary: expect.stringContaining('strict-origin-when-cross-origin') })
    expect(byId(findings, 'login.frame-ancestors').status).toBe('warn')

    // No header at all: browsers default to unsafe-none, but a layer in front stripped the bridge's.
    behaviour = { ...GOOD_BRIDGE, coop: null }
    expect(byId(await checkLoginHeaders(bridgeUrl, fetch, TIMEOUT_MS), 'login.coop')).toMatchObject({ status: 'warn', fix: expect.stringContaining('proxy, CDN') })
  })

  it('warns that loopback http is local-only, and passes /api/health', async () => {
    const { findings, reachableOrigin } = await checkAppUrl(validEnv(), fetch, lookupNothing, TIMEOUT_MS)
    expect(reachableOrigin).toBe(bridgeUrl)
    expect(findings.map(({ id, status }) => [id, status])).toEqual([
      ['app-url.https', 'warn'],
      ['app-url.dns', 'pass'],
      ['app-url.health', 'pass'],
    ])
    expect(byId(findings, 'app-url.https').summary).toContain('reachable from this machine only')
    expect(byId(findings, 'app-url.health').summary).toBe(`GET ${bridgeUrl}/api/health answered 200 {"status":"ok"}.`)
  })

  it('fails a redirect to another host as an unstable host', async () => {
    const port = new URL(bridgeUrl).port
    behaviour = { ...GOOD_BRIDGE, healthRedirect: `http://localhost:${port}/api/health` }
    const { findings } = await checkAppUrl(validEnv(), fetch, lookupNothing, TIMEOUT_MS)
    expect(byId(findings, 'app-url.health')).toMatchObject({
      status: 'fail',
      summary: `GET /api/health redirects from 127.0.0.1:${port} to another host (http://localhost:${port}): APP_URL is not the host that answers.`,
      fix: expect.stringContaining('Set APP_URL to the host the bridge really answers at'),
    })
  })

  it('fails a host that does not resolve, and one that does not answer', async () => {
    const notFound = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })
    }
    const dns = await checkAppUrl({ APP_URL: 'https://login.doctor-test.invalid' }, fetch, notFound, TIMEOUT_MS)
    expect(dns.findings.map(({ id, status }) => [id, status])).toEqual([
      ['app-url.https', 'pass'],
      ['app-url.dns', 'fail'],
    ])
    expect(dns.reachableOrigin).toBeUndefined()

    const port = await getFreePort()
    const down = await checkAppUrl({ APP_URL: `http://127.0.0.1:${port}` }, fetch, lookupNothing, TIMEOUT_MS)
    expect(byId(down.findings, 'app-url.health')).toMatchObject({ status: 'fail', summary: `http://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED).` })
    expect(down.reachableOrigin).toBeUndefined()
  })

  it('reports /api/ready: skipped on 404, the failing part on 503, pass on 200', async () => {
    behaviour = { ...GOOD_BRIDGE, ready: { status: 404 } }
    expect(await checkReady(bridgeUrl, fetch, TIMEOUT_MS)).toMatchObject({ id: 'ready', status: 'skip' })

    behaviour = {
      ...GOOD_BRIDGE,
      ready: {
        status: 503,
        body: { status: 'unavailable', checks: { database: { ok: false, error: 'connect ECONNREFUSED 10.0.0.5:5432' }, scalekit: { ok: true, latencyMs: 40 } } },
      },
    }
    expect(await checkReady(bridgeUrl, fetch, TIMEOUT_MS)).toEqual({
      id: 'ready',
      status: 'fail',
      summary: `GET ${bridgeUrl}/api/ready answered 503, not ready: database (connect ECONNREFUSED 10.0.0.5:5432).`,
      fix: "database: check DATABASE_URL and that the database accepts the bridge's connections.",
    })

    behaviour = { ...GOOD_BRIDGE, ready: { status: 503, body: { status: 'unavailable', checks: { database: { ok: true }, scalekit: { ok: false } } } } }
    expect(await checkReady(bridgeUrl, fetch, TIMEOUT_MS)).toMatchObject({ status: 'fail', summary: expect.stringContaining('not ready: scalekit.') })

    behaviour = GOOD_BRIDGE
    expect(await checkReady(bridgeUrl, fetch, TIMEOUT_MS)).toMatchObject({ status: 'pass' })
  })
})

describe('secrets', () => {
  it('redacts every secret value of the environment, and the DATABASE_URL password', () => {
    const secrets = secretValues({ SESSION_SECRET, SCALEKIT_CLIENT_SECRET: WRONG_SECRET, DATABASE_URL: 'postgres://bridge:pg-pass%2Fword@db:5432/bridge' })
    const finding = redactFinding(
      { id: 'x', status: 'fail', summary: `echo ${WRONG_SECRET} and ${SESSION_SECRET}`, fix: 'password pg-pass/word' },
      secrets,
    )
    expect(finding).toEqual({ id: 'x', status: 'fail', summary: 'echo [redacted] and [redacted]', fix: 'password [redacted]' })
  })
})

describe('runDoctor against the stand-in and the fake bridge', () => {
  it('runs every check in order', async () => {
    const findings = await runDoctor(validEnv(), { timeoutMs: TIMEOUT_MS })
    expect(findings.map(({ id, status }) => `${status} ${id}`)).toEqual([
      'pass env',
      'pass connection-id',
      'pass scalekit.credentials',
      'skip scalekit.connection',
      'skip scalekit.login-endpoint',
      'warn app-url.https',
      'pass app-url.dns',
      'pass app-url.health',
      'pass login.coop',
      'pass login.referrer-policy',
      'pass login.frame-ancestors',
      'pass login-slash.coop',
      'pass ready',
    ])
    expect(findings.filter((finding) => finding.status !== 'pass').every((finding) => finding.fix)).toBe(true)
  })

  it('still checks what it can when the configuration is invalid', async () => {
    const findings = await runDoctor({ APP_URL: bridgeUrl, SCALEKIT_CONNECTION_ID: 'res_1' }, { timeoutMs: TIMEOUT_MS })
    expect(byId(findings, 'env').status).toBe('fail')
    expect(byId(findings, 'connection-id').status).toBe('fail')
    expect(byId(findings, 'scalekit.credentials').status).toBe('skip')
    expect(byId(findings, 'login.coop').status).toBe('pass')
  })
})

// ---- the command line, as a child process ---------------------------------------------------

interface Run {
  code: number
  stdout: string
  stderr: string
}

function runCli(args: string[]): Promise<Run> {
  // Only what npx needs: none of the developer's own configuration reaches the doctor.
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'test', PATH: process.env.PATH, HOME: process.env.HOME }
  return new Promise((resolve) => {
    execFile('npx', ['tsx', '--conditions=react-server', 'scripts/doctor.ts', ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
    })
  })
}

describe('npm run doctor', () => {
  let dir: string

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-cli-'))
  })
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true })
  })

  function envFile(name: string, values: EnvSource): string {
    const file = path.join(dir, name)
    fs.writeFileSync(file, Object.entries(values).map(([key, value]) => `${key}=${value}`).join('\n') + '\n')
    return file
  }

  it('fails a wrong client secret with exit code 1 and never prints a secret', { timeout: 60_000 }, async () => {
    const file = envFile('wrong.env', validEnv({ SCALEKIT_CLIENT_SECRET: WRONG_SECRET }))
    const run = await runCli(['--env', file])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^FAIL {2}scalekit\.credentials +Scalekit refused the client credentials \(HTTP 401 invalid_client\)\. Fix: Copy SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET again from Dashboard > Settings > API Credentials/m)
    expect(run.stdout).toMatch(/^PASS {2}login\.coop +GET \/login \(HTTP 400\) sends Cross-Origin-Opener-Policy: unsafe-none\.$/m)
    expect(run.stdout).toMatch(/^1 failed, 1 warning, 9 passed, 2 skipped\.$/m)
    for (const secret of [WRONG_SECRET, SESSION_SECRET, AUTH_SECRET, standIn.config.clientSecret]) {
      expect(run.stdout).not.toContain(secret)
      expect(run.stderr).not.toContain(secret)
    }

    const json = await runCli(['--env', file, '--json'])
    expect(json.code).toBe(1)
    expect(json.stdout).not.toContain(WRONG_SECRET)
    const report = JSON.parse(json.stdout) as { ok: boolean; findings: Finding[] }
    expect(report.ok).toBe(false)
    expect(byId(report.findings, 'scalekit.credentials').status).toBe('fail')
  })

  it('exits 0 when nothing fails, and 2 for bad arguments', { timeout: 60_000 }, async () => {
    const good = await runCli(['--env', envFile('good.env', validEnv())])
    expect(good.code).toBe(0)
    expect(good.stdout).toMatch(/^PASS {2}scalekit\.credentials /m)
    expect(good.stdout).not.toContain(standIn.config.clientSecret)

    const unknown = await runCli(['--envfile', 'x'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Usage:')
    const missing = await runCli(['--env', path.join(dir, 'absent.env')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('absent.env')
    const help = await runCli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('npm run doctor')
  })
})
