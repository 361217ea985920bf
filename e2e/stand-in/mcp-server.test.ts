import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoClient, type DemoClient } from './demo-client'
import { startDemoMcpServer, type DemoMcpServer } from './mcp-server'
import { startMcpClientLogin } from './mcp-test-client'
import { startScalekitStandIn, type ScalekitStandIn } from './scalekit'
import { actAsBridge, followOneRedirect, getFreePort, locationOf } from './test-support'

const BOB = { sub: 'user-bob', email: 'bob@example.com', name: 'Bob Doe' }

let standIn: ScalekitStandIn
let mcpServer: DemoMcpServer
let resourceUrl: string

beforeAll(async () => {
  // The stand-in must know the resource URL (token audience) before the MCP server exists.
  const mcpPort = await getFreePort()
  resourceUrl = `http://127.0.0.1:${mcpPort}/mcp`
  standIn = await startScalekitStandIn({ port: 0, resourceUrl, bridgeLoginUrl: 'http://localhost:3999/login' })
  mcpServer = await startDemoMcpServer({ port: mcpPort, resourceUrl, issuer: standIn.issuer, jwksUrl: standIn.jwksUrl })
})

afterAll(async () => {
  await mcpServer.close()
  await standIn.close()
})

function parseToolText(result: Record<string, unknown>): unknown {
  const [first] = result.content as Array<{ type: string; text: string }>
  return JSON.parse(first?.text ?? 'null')
}

/** Drives the MCP client's authorization URL through the stand-in and the bridge's part, to the client redirect. */
async function completeLogin(authorizationUrl: string): Promise<string> {
  const toBridge = locationOf(await followOneRedirect(authorizationUrl))
  const callback = await actAsBridge(standIn, toBridge, BOB)
  return locationOf(await followOneRedirect(callback))
}

describe('demo MCP server', () => {
  it('challenges a request without a token and publishes its resource metadata', async () => {
    const response = await fetch(mcpServer.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    })
    expect(response.status).toBe(401)
    const challenge = response.headers.get('www-authenticate') ?? ''
    expect(challenge).toBe(`Bearer resource_metadata="${mcpServer.resourceMetadataUrl}"`)

    const metadata = await (await fetch(mcpServer.resourceMetadataUrl)).json()
    expect(metadata).toEqual({
      resource: resourceUrl,
      authorization_servers: [standIn.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['openid', 'profile', 'email'],
    })
    const invalid = await fetch(mcpServer.url, { method: 'POST', headers: { authorization: 'Bearer nope' } })
    expect(invalid.status).toBe(401)
    expect(invalid.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('answers whoami through the real MCP SDK client after an OAuth login', async () => {
    const login = await startMcpClientLogin({ mcpUrl: resourceUrl, redirectUrl: 'http://127.0.0.1:5998/callback' })
    expect(new URL(login.authorizationUrl).pathname).toBe('/oauth/authorize')

    const redirected = await completeLogin(login.authorizationUrl)
    expect(new URL(redirected).searchParams.get('state')).toBe(login.clientState)
    await login.finishWithRedirect(redirected)

    expect(parseToolText(await login.callTool('whoami'))).toEqual(BOB)
    const token = login.accessToken() ?? ''
    await login.close()

    // The same token works for a plain client that just sends the header.
    const client = new Client({ name: 'plain', version: '0.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(resourceUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    )
    expect(parseToolText(await client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ sub: BOB.sub })
    await client.close()
  })

  it('refuses a token for another audience', async () => {
    const login = await startMcpClientLogin({ mcpUrl: resourceUrl, redirectUrl: 'http://127.0.0.1:5998/callback' })
    await login.finishWithRedirect(await completeLogin(login.authorizationUrl))
    const token = login.accessToken() ?? ''
    await login.close()
    // Same issuer and keys, but this server is another resource: the audience must not match.
    const strictServer = await startDemoMcpServer({
      port: 0,
      resourceUrl: 'http://127.0.0.1:1/elsewhere',
      issuer: standIn.issuer,
      jwksUrl: standIn.jwksUrl,
    })
    try {
      const response = await fetch(`http://127.0.0.1:${strictServer.port}/elsewhere`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      })
      expect(response.status).toBe(401)
    } finally {
      await strictServer.close()
    }
  })
})

describe('demo web client', () => {
  let demoClient: DemoClient

  beforeAll(async () => {
    demoClient = await startDemoClient({ port: 0, mcpUrl: resourceUrl })
  })

  afterAll(async () => {
    await demoClient.close()
  })

  it('connects with DCR + PKCE, then shows the token claims and the whoami result', async () => {
    const home = await fetch(`${demoClient.url}/`)
    expect(await home.text()).toContain('Connect to the MCP server')

    const connect = await followOneRedirect(`${demoClient.url}/connect`, { method: 'POST' })
    expect(connect.status).toBe(303)
    const cookie = (connect.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const redirected = await completeLogin(locationOf(connect))
    expect(redirected.startsWith(`${demoClient.url}/callback?`)).toBe(true)

    const result = await fetch(redirected, { headers: { cookie } })
    const page = await result.text()
    expect(result.status).toBe(200)
    expect(page).toContain('data-testid="token-claims"')
    expect(page).toContain('data-testid="tool-result"')
    expect(page).toContain('bob@example.com')
    expect(page).toContain(`&quot;aud&quot;: &quot;${resourceUrl}&quot;`)
  })

  it('refuses a callback without the browser that started the login', async () => {
    const connect = await followOneRedirect(`${demoClient.url}/connect`, { method: 'POST' })
    const redirected = await completeLogin(locationOf(connect))
    const result = await fetch(redirected)
    expect(result.status).toBe(400)
    expect(await result.text()).toContain('No login in progress')
  })
})
