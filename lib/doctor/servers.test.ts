import { describe, expect, it } from 'vitest'
import { createGrpcDirectory, type DirectoryParams } from './directory'
import { describeLoginEndpoint } from './directory-checks'
import { checkConnectionIds, checkEnv } from './env-checks'
import type { EnvSource } from './findings'
import { doctorSecrets, runDoctor } from './index'
import { checkLoginHeaders } from './login-headers'
import { readDoctorServers } from './servers'
import {
  AUTH_SECRET,
  byId,
  DIRECTORY_TOKEN,
  GOOD_BRIDGE,
  OTHER_ENVIRONMENT,
  SESSION_SECRET,
  setUpDoctorServers,
  TIMEOUT_MS,
} from './testing'

// MCP_SERVERS: every server is checked, and every line names the server it is about.

const servers = setUpDoctorServers({ otherStandIn: true })

/** The finance client secret, read through "env:NAME" from a variable whose name says nothing of a secret. */
const FINANCE_SECRET_VARIABLE = 'FINANCE_SCALEKIT_CREDENTIAL'

/** Finance in the first stand-in's environment, HR in the second's; overrides replace fields of an entry. */
function twoEnvironments(overrides: { finance?: object; hr?: object } = {}): EnvSource {
  const { standIn, otherStandIn } = servers
  const entries = [
    {
      key: 'finance',
      name: 'Finance MCP',
      connectionId: standIn.config.connectionId,
      scalekit: { environmentUrl: standIn.url, clientId: standIn.config.clientId, clientSecret: `env:${FINANCE_SECRET_VARIABLE}` },
      ...overrides.finance,
    },
    {
      key: 'hr',
      name: 'HR MCP',
      connectionId: OTHER_ENVIRONMENT.connectionId,
      scalekit: { environmentUrl: otherStandIn.url, clientId: OTHER_ENVIRONMENT.clientId, clientSecret: OTHER_ENVIRONMENT.clientSecret },
      ...overrides.hr,
    },
  ]
  return {
    APP_URL: servers.bridgeUrl,
    SESSION_SECRET,
    AUTH_SECRET,
    MCP_SERVERS: JSON.stringify(entries),
    [FINANCE_SECRET_VARIABLE]: standIn.config.clientSecret,
  }
}

/** The directory lookups of every environment, answered by the test directory server; records which environments were asked. */
function recordingDirectory(asked: string[]) {
  return (params: DirectoryParams) => {
    asked.push(params.environmentUrl)
    return createGrpcDirectory({ environmentUrl: servers.directoryUrl, accessToken: DIRECTORY_TOKEN, timeoutMs: params.timeoutMs })
  }
}

describe('npm run doctor with MCP_SERVERS', () => {
  it('checks two servers in two Scalekit environments, each line naming its server', async () => {
    const { standIn, bridgeUrl } = servers
    servers.directoryData = {
      connections: { [standIn.config.connectionId]: { enabled: true }, [OTHER_ENVIRONMENT.connectionId]: { enabled: true } },
      resources: [
        {
          id: 'res_fin',
          name: 'Finance',
          connectionId: standIn.config.connectionId,
          settings: { authorize_uri: `${bridgeUrl}/login/finance` },
        },
        // HR still points at the single-connection endpoint: not its own.
        { id: 'res_hr', name: 'HR', connectionId: OTHER_ENVIRONMENT.connectionId, settings: { authorize_uri: `${bridgeUrl}/login` } },
      ],
    }
    const asked: string[] = []
    const findings = await runDoctor(twoEnvironments(), { timeoutMs: TIMEOUT_MS, directory: recordingDirectory(asked) })
    const headerLines = (suffix: string) =>
      ['login.coop', 'login.referrer-policy', 'login.frame-ancestors', 'login-slash.coop'].map((id) => `pass ${id}${suffix}`)
    expect(findings.map(({ id, status }) => `${status} ${id}`)).toEqual([
      'pass env',
      'pass connection-id:finance',
      'pass connection-id:hr',
      'pass scalekit.credentials:finance',
      'pass scalekit.credentials:hr',
      'pass scalekit.connection:finance',
      'pass scalekit.login-endpoint:finance',
      'pass login-endpoint:finance',
      'pass scalekit.connection:hr',
      'fail scalekit.login-endpoint:hr',
      'pass login-endpoint:hr',
      'skip mail',
      'warn app-url.https',
      'pass app-url.dns',
      'pass app-url.health',
      ...headerLines(''),
      ...headerLines(':finance'),
      ...headerLines(':hr'),
      'pass ready',
    ])
    expect(asked).toEqual([standIn.url, servers.otherStandIn.url])
    expect(byId(findings, 'scalekit.credentials:finance').summary).toBe(
      `Finance MCP (finance): Scalekit accepted the client credentials (client_credentials grant at ${standIn.url}/oauth/token).`,
    )
    expect(byId(findings, 'scalekit.credentials:hr').summary).toBe(
      `HR MCP (hr): Scalekit accepted the client credentials (client_credentials grant at ${servers.otherStandIn.url}/oauth/token).`,
    )
    expect(byId(findings, 'scalekit.login-endpoint:hr')).toEqual({
      id: 'scalekit.login-endpoint:hr',
      status: 'fail',
      summary: `HR MCP (hr): MCP server "HR" sends people to ${bridgeUrl}/login, not ${bridgeUrl}/login/hr.`,
      fix: `Set Dashboard > MCP Servers > HR MCP > "Bring your own auth" login endpoint to ${bridgeUrl}/login/hr (or, if the bridge really answers at ${bridgeUrl}/login, set APP_URL to that origin).`,
    })
    expect(byId(findings, 'login.coop:hr').summary).toBe(
      'HR MCP (hr): GET /login/hr (HTTP 400) sends Cross-Origin-Opener-Policy: unsafe-none.',
    )
    expect(servers.bridgeRequests).toEqual(expect.arrayContaining(['/login/finance', '/login/finance/', '/login/hr', '/login/hr/']))
    const printed = JSON.stringify(findings)
    for (const secret of [standIn.config.clientSecret, OTHER_ENVIRONMENT.clientSecret, SESSION_SECRET, AUTH_SECRET]) {
      expect(printed).not.toContain(secret)
    }
  })

  it('prints the login endpoint to paste into Scalekit for each server', () => {
    const [finance, hr] = readDoctorServers(twoEnvironments()).servers
    expect(describeLoginEndpoint(finance!, 'https://login.acme.com')).toEqual({
      id: 'login-endpoint:finance',
      status: 'pass',
      summary: `Paste https://login.acme.com/login/finance into Dashboard > MCP Servers > Finance MCP > "Bring your own auth" login endpoint (the MCP server whose Connection ID is ${servers.standIn.config.connectionId}).`,
    })
    expect(describeLoginEndpoint(hr!, undefined)).toMatchObject({
      id: 'login-endpoint:hr',
      status: 'skip',
      summary: 'The login endpoint of HR MCP is {APP_URL}/login/hr, once APP_URL is set.',
    })
  })

  it("names the server whose entry holds a res_ id, and still checks the other's", async () => {
    const env = twoEnvironments({ hr: { connectionId: 'res_92015146095' } })
    const doctorServers = readDoctorServers(env)
    const [summary, ...lines] = checkEnv(env, doctorServers)
    expect(summary).toMatchObject({ id: 'env', status: 'fail', fix: 'Correct the connection ids (see the connection-id lines).' })
    // The connection-id line reports it, with the page to copy the conn_ id from.
    expect(lines).toEqual([])
    expect(checkConnectionIds(env, doctorServers)).toEqual([
      {
        id: 'connection-id:finance',
        status: 'pass',
        summary: `MCP_SERVERS (finance) connectionId is a connection id (${servers.standIn.config.connectionId}).`,
      },
      {
        id: 'connection-id:hr',
        status: 'fail',
        summary: "MCP_SERVERS (hr) connectionId is res_92015146095: a res_ id is the MCP server's resource id, not its connection.",
        fix: 'Copy the Connection ID (it starts with conn_) from Dashboard > MCP Servers > HR MCP > Advanced Configurations > Connection ID into the "connectionId" of "hr" in MCP_SERVERS.',
      },
    ])
    const findings = await runDoctor(env, { timeoutMs: TIMEOUT_MS })
    expect(byId(findings, 'scalekit.credentials:hr').status).toBe('pass')
    expect(byId(findings, 'scalekit.connection:hr')).toMatchObject({
      status: 'skip',
      summary: 'HR MCP (hr): Not checked: needs a conn_ MCP_SERVERS (hr) connectionId (see connection-id:hr).',
    })
    // The stand-in offers no directory lookups: finance's are tried, and skipped with what to compare by hand.
    expect(byId(findings, 'scalekit.connection:finance')).toMatchObject({
      status: 'skip',
      fix: `Compare by hand: Dashboard > MCP Servers > Finance MCP > Advanced Configurations > Connection ID must show ${servers.standIn.config.connectionId}, in the environment ${servers.standIn.url}.`,
    })
  })

  it('checks a shared environment once, naming every server that uses it', async () => {
    const env: EnvSource = {
      ...servers.validEnv({ SCALEKIT_CONNECTION_ID: undefined }),
      MCP_SERVERS: JSON.stringify([
        { key: 'finance', name: 'Finance MCP', connectionId: 'conn_fin1' },
        { key: 'hr', name: 'HR MCP', connectionId: 'conn_hr1' },
      ]),
    }
    const findings = await runDoctor(env, { timeoutMs: TIMEOUT_MS })
    expect(findings.filter((finding) => finding.id.startsWith('scalekit.credentials'))).toEqual([
      {
        id: 'scalekit.credentials:finance,hr',
        status: 'pass',
        summary: `Finance MCP (finance), HR MCP (hr): Scalekit accepted the client credentials (client_credentials grant at ${servers.standIn.url}/oauth/token).`,
      },
    ])
    expect(byId(findings, 'env').status).toBe('pass')
  })

  it('fails a wrong secret in one environment only, and never prints either secret', async () => {
    const wrong = 'hr-wrong-client-secret-never-printed-91c2'
    const env = twoEnvironments({
      hr: { scalekit: { environmentUrl: servers.otherStandIn.url, clientId: OTHER_ENVIRONMENT.clientId, clientSecret: wrong } },
    })
    expect(doctorSecrets(env)).toEqual(expect.arrayContaining([wrong, servers.standIn.config.clientSecret]))
    const findings = await runDoctor(env, { timeoutMs: TIMEOUT_MS })
    expect(byId(findings, 'scalekit.credentials:finance').status).toBe('pass')
    expect(byId(findings, 'scalekit.credentials:hr')).toEqual({
      id: 'scalekit.credentials:hr',
      status: 'fail',
      summary: 'HR MCP (hr): Scalekit refused the client credentials (HTTP 401 invalid_client).',
      fix: `Copy MCP_SERVERS (hr) scalekit.clientId and MCP_SERVERS (hr) scalekit.clientSecret again from Dashboard > Settings > API Credentials of the environment ${servers.otherStandIn.url} (another environment's credentials are refused too).`,
    })
    expect(byId(findings, 'scalekit.connection:hr').summary).toBe(
      'HR MCP (hr): Not checked: needs client credentials Scalekit accepts (see scalekit.credentials:hr).',
    )
    expect(JSON.stringify(findings)).not.toContain(wrong)
  })

  it('reports MCP_SERVERS problems one per line, named after the server where there is one', async () => {
    const env = twoEnvironments({ hr: { allow: { emails: ['not-an-email'] } } })
    const findings = checkEnv(env)
    expect(findings[0]).toMatchObject({ id: 'env', status: 'fail', summary: '1 configuration problem: the bridge would refuse to start.' })
    expect(byId(findings, 'env.MCP_SERVERS:hr')).toMatchObject({
      status: 'fail',
      summary: 'MCP_SERVERS[1] (hr).allow.emails.0: emails must be email addresses',
      fix: expect.stringContaining('Correct what the line names in MCP_SERVERS'),
    })

    const unreadable = await runDoctor({ ...twoEnvironments(), MCP_SERVERS: '[{"key": "finance",' }, { timeoutMs: TIMEOUT_MS })
    expect(byId(unreadable, 'env.MCP_SERVERS').summary).toMatch(/^MCP_SERVERS is not valid JSON/)
    expect(byId(unreadable, 'servers')).toMatchObject({ status: 'skip', summary: expect.stringContaining('no MCP server could be read') })
  })

  it("checks each server's own login endpoint for the headers a layer in front may override", async () => {
    servers.behaviour = { ...GOOD_BRIDGE, serverCoop: { hr: 'same-origin' } }
    const findings = await checkLoginHeaders(servers.bridgeUrl, fetch, TIMEOUT_MS, readDoctorServers(twoEnvironments()).servers)
    expect(byId(findings, 'login.coop').status).toBe('pass')
    expect(byId(findings, 'login.coop:finance').status).toBe('pass')
    expect(byId(findings, 'login.coop:hr')).toMatchObject({
      status: 'fail',
      summary: 'HR MCP (hr): GET /login/hr (HTTP 400) sends Cross-Origin-Opener-Policy: same-origin: popup MCP clients lose their window.',
    })
    expect(byId(findings, 'login-slash.coop:hr').summary).toContain('GET /login/hr/ (HTTP 308)')
  })
})
