import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { auth } from '@modelcontextprotocol/sdk/client/auth.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { decodeJwt } from 'jose'
import { closeHttpServer, hostForUrl, randomToken, readFormBody, redirect, safeEqual } from './http-helpers'
import { InMemoryOAuthProvider } from './in-memory-oauth-provider'
import {
  renderError,
  renderHomePage,
  renderRefusedPage,
  renderResultPage,
  sendPage,
  type DemoAccount,
  type DemoServerEntry,
  type FlowReport,
} from './demo-client-pages'

export interface DemoClientOptions {
  port?: number
  host?: string
  /** One MCP server, whose button reads "Connect to the MCP server"; or list several in `servers`. */
  mcpUrl?: string
  /** One "Connect to {name}" button each; the first one answers a /connect that names none. */
  servers?: DemoServerEntry[]
  /** Accounts to try, listed on the home page. */
  accounts?: DemoAccount[]
  /** Origin the browser uses; the OAuth redirect_uri is `{publicUrl}/callback`. Default http://{host}:{port}. */
  publicUrl?: string
}

export interface DemoClient {
  url: string
  port: number
  close(): Promise<void>
}

interface PendingFlow {
  provider: InMemoryOAuthProvider
  server: DemoServerEntry
  createdAt: number
}

interface ClientContext {
  servers: DemoServerEntry[]
  accounts: DemoAccount[]
  flows: Map<string, PendingFlow>
  publicUrl: string
}

const FLOW_COOKIE = 'demo_mcp_flow'
const FLOW_TTL_MS = 15 * 60_000

/** A web MCP client, as a host like ChatGPT would be: DCR + PKCE against Scalekit, then a tool call. */
export async function startDemoClient(options: DemoClientOptions): Promise<DemoClient> {
  const context: ClientContext = { servers: listServers(options), accounts: options.accounts ?? [], flows: new Map(), publicUrl: '' }
  const server = http.createServer((req, res) => {
    route(context, req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy()
      const message = error instanceof Error ? error.message : 'unexpected error'
      sendPage(res, 502, 'MCP client error', renderError(`The MCP client failed: ${message}`))
    })
  })
  const host = options.host ?? '127.0.0.1'
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    })
  })
  context.publicUrl = (options.publicUrl ?? `http://${hostForUrl(host)}:${port}`).replace(/\/$/, '')
  return { url: context.publicUrl, port, close: () => closeHttpServer(server) }
}

function listServers(options: DemoClientOptions): DemoServerEntry[] {
  if (options.servers?.length) return options.servers
  if (!options.mcpUrl) throw new Error('the demo client needs mcpUrl or servers')
  return [{ key: 'mcp', name: 'the MCP server', mcpUrl: options.mcpUrl }]
}

async function route(context: ClientContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', context.publicUrl)
  if (req.method === 'GET' && url.pathname === '/') {
    // The flow cookie must be set on the origin the callback comes back to.
    if (req.headers.host !== new URL(context.publicUrl).host) return redirect(res, `${context.publicUrl}/`)
    return sendPage(res, 200, 'Demo MCP client', renderHomePage(context.servers, context.accounts))
  }
  if (req.method === 'POST' && url.pathname === '/connect') return startFlow(context, req, res)
  if (req.method === 'GET' && url.pathname === '/callback') return finishFlow(context, req, res, url)
  sendPage(res, 404, 'Not found', renderError('There is no page at this address.'))
}

async function startFlow(context: ClientContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const key = (await readFormBody(req)).get('server')
  const server = key ? context.servers.find((entry) => entry.key === key) : context.servers[0]
  if (!server) return sendPage(res, 400, 'Unknown MCP server', renderError('This client has no MCP server by that name.'))
  dropStaleFlows(context.flows)
  const provider = new InMemoryOAuthProvider({ redirectUrl: `${context.publicUrl}/callback`, clientName: 'BYOA demo web MCP client' })
  const result = await auth(provider, { serverUrl: server.mcpUrl })
  if (result !== 'REDIRECT' || !provider.authorizationUrl) {
    return sendPage(res, 500, 'Unexpected', renderError('The authorization server did not ask for a login.'))
  }
  const flowId = randomToken(24)
  context.flows.set(flowId, { provider, server, createdAt: Date.now() })
  res.setHeader('set-cookie', `${FLOW_COOKIE}=${flowId}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${FLOW_TTL_MS / 1000}`)
  redirect(res, provider.authorizationUrl.toString(), 303)
}

async function finishFlow(context: ClientContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const flowId = readCookie(req, FLOW_COOKIE)
  const flow = flowId ? context.flows.get(flowId) : undefined
  if (!flowId || !flow) {
    return sendPage(res, 400, 'No login in progress', renderError('No login in progress in this browser. Start again.'))
  }
  const state = url.searchParams.get('state') ?? ''
  if (!safeEqual(state, flow.provider.expectedState)) {
    return sendPage(res, 400, 'State mismatch', renderError('The state returned by the authorization server does not match.'))
  }
  context.flows.delete(flowId)
  res.setHeader('set-cookie', `${FLOW_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`)
  const error = url.searchParams.get('error')
  if (error) {
    return sendPage(res, 400, 'Sign-in refused', renderRefusedPage(reportOf(flow), error, url.searchParams.get('error_description')))
  }
  const code = url.searchParams.get('code')
  if (!code) return sendPage(res, 400, 'No code', renderError('The redirect carries no authorization code.'))

  await auth(flow.provider, { serverUrl: flow.server.mcpUrl, authorizationCode: code })
  const accessToken = flow.provider.tokens()?.access_token ?? ''
  const toolResult = await callWhoami(flow.server.mcpUrl, flow.provider)
  sendPage(res, 200, `Connected to ${flow.server.name}`, renderResultPage(reportOf(flow), decodeJwt(accessToken), toolResult))
}

/** What this flow's discovery and registration found, for the page's account of the steps. */
function reportOf(flow: PendingFlow): FlowReport {
  const discovery = flow.provider.discoveryState()
  const authorize = flow.provider.authorizationUrl
  return {
    server: flow.server,
    authorizationServer: discovery?.authorizationServerUrl,
    authorizeEndpoint: authorize ? `${authorize.origin}${authorize.pathname}` : undefined,
    tokenEndpoint: discovery?.authorizationServerMetadata?.token_endpoint,
    clientId: flow.provider.clientInformation()?.client_id,
  }
}

async function callWhoami(mcpUrl: string, provider: InMemoryOAuthProvider): Promise<CallToolResult> {
  const client = new Client({ name: 'byoa-demo-web-client', version: '0.1.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }))
  try {
    return (await client.callTool({ name: 'whoami', arguments: {} })) as CallToolResult
  } finally {
    await client.close()
  }
}

function dropStaleFlows(flows: Map<string, PendingFlow>): void {
  const cutoff = Date.now() - FLOW_TTL_MS
  for (const [id, flow] of flows) if (flow.createdAt < cutoff) flows.delete(id)
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return undefined
}
