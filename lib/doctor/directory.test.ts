import { describe, expect, it } from 'vitest'
import { checkCredentials } from './credentials'
import { createGrpcDirectory } from './directory'
import { checkConnectionKnown, checkLoginEndpoint } from './directory-checks'
import { DIRECTORY_TOKEN, setUpDoctorServers, TIMEOUT_MS } from './testing'

const servers = setUpDoctorServers()

describe('the connection and the login endpoint in Scalekit', () => {
  const CONN = 'conn_byoa0001'
  const directory = () => createGrpcDirectory({ environmentUrl: servers.directoryUrl, accessToken: DIRECTORY_TOKEN, timeoutMs: TIMEOUT_MS })

  async function lookups(connectionId = CONN) {
    const dir = directory()
    try {
      return { connection: await dir.findConnection(connectionId), resource: await dir.findResourceOf(connectionId) }
    } finally {
      dir.close()
    }
  }

  it('passes when the MCP server using the connection sends people to {APP_URL}/login', async () => {
    servers.directoryData = {
      connections: { [CONN]: { enabled: true } },
      resources: [
        {
          id: 'res_other',
          name: 'Other server',
          connectionId: 'conn_other',
          settings: { authorize_uri: 'https://other.example.com/login' },
        },
        { id: 'res_byoa', name: 'Acme MCP', connectionId: CONN, settings: { authorize_uri: 'https://login.acme.com/login' } },
      ],
    }
    const { connection, resource } = await lookups()
    expect(checkConnectionKnown(CONN, servers.directoryUrl, connection, resource)).toEqual({
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
    servers.directoryData = {
      connections: { [CONN]: { enabled: true } },
      resources: [{ id: 'res_byoa', name: 'Acme MCP', connectionId: CONN, settings: { authorize_uri: 'https://old.acme.com/sign-in' } }],
    }
    const { resource } = await lookups()
    expect(checkLoginEndpoint(CONN, 'https://login.acme.com', resource)).toMatchObject({
      status: 'fail',
      summary: 'MCP server "Acme MCP" sends people to https://old.acme.com/sign-in, not https://login.acme.com/login.',
      fix: expect.stringContaining('"Bring your own auth" login endpoint to https://login.acme.com/login'),
    })
    servers.directoryData.resources[0]!.settings = { authorize_uri: 'https://login.acme.com/login/' }
    expect(checkLoginEndpoint(CONN, 'https://login.acme.com', (await lookups()).resource).status).toBe('warn')
  })

  it('fails a connection Scalekit does not know', async () => {
    const { connection, resource } = await lookups()
    expect(connection).toEqual({ kind: 'missing' })
    expect(resource).toEqual({ kind: 'missing' })
    expect(checkConnectionKnown(CONN, servers.directoryUrl, connection, resource)).toMatchObject({
      status: 'fail',
      summary: `Scalekit does not know ${CONN} in the environment ${servers.directoryUrl} (GetEnvironmentConnection: not found).`,
      fix: expect.stringContaining('Advanced Configurations > Connection ID of this same environment'),
    })
    expect(checkLoginEndpoint(CONN, 'https://login.acme.com', resource)).toMatchObject({
      status: 'skip',
      fix: 'Compare by hand: Dashboard > MCP Servers > your server > "Bring your own auth" login endpoint must be exactly https://login.acme.com/login.',
    })
  })

  it('skips with the comparison to make by hand where Scalekit does not offer the lookups', async () => {
    // The stand-in serves only AuthService, as an environment without these preview APIs would.
    const token = (await checkCredentials(servers.validEnv(), fetch, TIMEOUT_MS)).accessToken!
    const dir = createGrpcDirectory({ environmentUrl: servers.standIn.url, accessToken: token, timeoutMs: TIMEOUT_MS })
    const connection = await dir.findConnection(servers.standIn.config.connectionId)
    const resource = await dir.findResourceOf(servers.standIn.config.connectionId)
    dir.close()
    expect(connection).toEqual({
      kind: 'unavailable',
      reason: 'this Scalekit environment does not offer GetEnvironmentConnection (a preview API)',
    })
    expect(checkConnectionKnown(servers.standIn.config.connectionId, servers.standIn.url, connection, resource)).toMatchObject({
      status: 'skip',
      fix: `Compare by hand: Dashboard > MCP Servers > your server > Advanced Configurations > Connection ID must show ${servers.standIn.config.connectionId}, in the environment ${servers.standIn.url}.`,
    })
    expect(checkLoginEndpoint(servers.standIn.config.connectionId, servers.bridgeUrl, resource)).toEqual({
      id: 'scalekit.login-endpoint',
      status: 'skip',
      summary: 'Cannot read the login endpoint from Scalekit: this Scalekit environment does not offer ListResources (a preview API).',
      fix: `Compare by hand: Dashboard > MCP Servers > your server > "Bring your own auth" login endpoint must be exactly ${servers.bridgeUrl}/login.`,
    })
  })
})
