import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { auth } from '@modelcontextprotocol/sdk/client/auth.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { decodeJwt } from 'jose'
import { closeHttpServer, escapeHtml, hostForUrl, randomToken, redirect, safeEqual, sendHtml } from './http-helpers'
import { InMemoryOAuthProvider } from './in-memory-oauth-provider'

export interface DemoClientOptions {
  port?: number
  host?: string
  mcpUrl: string
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
  createdAt: number
}

const FLOW_COOKIE = 'demo_mcp_flow'
const FLOW_TTL_MS = 15 * 60_000

/** A web MCP client, as a host like ChatGPT would be: DCR + PKCE against Scalekit, then a tool call. */
export async function startDemoClient(options: DemoClientOptions): Promise<DemoClient> {
  const flows = new Map<string, PendingFlow>()
  let publicUrl = options.publicUrl ?? ''

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', publicUrl)
    if (req.method === 'GET' && url.pathname === '/') {
      // The flow cookie must be set on the origin the callback comes back to.
      if (req.headers.host !== new URL(publicUrl).host) return redirect(res, `${publicUrl}/`)
      return sendHtml(res, 200, 'Demo MCP client', renderHomePage(options.mcpUrl))
    }
    if (req.method === 'POST' && url.pathname === '/connect') {
      return startFlow(res)
    }
    if (req.method === 'GET' && url.pathname === '/callback') {
      return finishFlow(req, res, url)
    }
    sendHtml(res, 404, 'Not found', '<p>Not found</p>')
  }

  const startFlow = async (res: ServerResponse) => {
    dropStaleFlows(flows)
    const provider = new InMemoryOAuthProvider({ redirectUrl: `${publicUrl}/callback`, clientName: 'BYOA demo web MCP client' })
    const result = await auth(provider, { serverUrl: options.mcpUrl })
    if (result !== 'REDIRECT' || !provider.authorizationUrl) {
      return sendHtml(res, 500, 'Unexpected', renderError('The authorization server did not ask for a login.'))
    }
    const flowId = randomToken(24)
    flows.set(flowId, { provider, createdAt: Date.now() })
    res.setHeader('set-cookie', `${FLOW_COOKIE}=${flowId}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${FLOW_TTL_MS / 1000}`)
    redirect(res, provider.authorizationUrl.toString(), 303)
  }

  const finishFlow = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const flowId = readCookie(req, FLOW_COOKIE)
    const flow = flowId ? flows.get(flowId) : undefined
    if (!flowId || !flow)
      return sendHtml(res, 400, 'No login in progress', renderError('No login in progress in this browser. Start again.'))
    const state = url.searchParams.get('state') ?? ''
    if (!safeEqual(state, flow.provider.expectedState)) {
      return sendHtml(res, 400, 'State mismatch', renderError('The state returned by the authorization server does not match.'))
    }
    flows.delete(flowId)
    res.setHeader('set-cookie', `${FLOW_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`)
    const error = url.searchParams.get('error')
    if (error) return sendHtml(res, 400, 'Login refused', renderError(`The authorization server answered: ${error}`))
    const code = url.searchParams.get('code')
    if (!code) return sendHtml(res, 400, 'No code', renderError('The redirect carries no authorization code.'))

    await auth(flow.provider, { serverUrl: options.mcpUrl, authorizationCode: code })
    const accessToken = flow.provider.tokens()?.access_token ?? ''
    const toolResult = await callWhoami(options.mcpUrl, flow.provider)
    sendHtml(res, 200, 'Connected', renderResultPage(decodeJwt(accessToken), toolResult))
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy()
      const message = error instanceof Error ? error.message : 'unexpected error'
      sendHtml(res, 502, 'MCP client error', renderError(`The MCP client failed: ${message}`))
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
  publicUrl = (options.publicUrl ?? `http://${hostForUrl(host)}:${port}`).replace(/\/$/, '')
  return { url: publicUrl, port, close: () => closeHttpServer(server) }
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

function renderHomePage(mcpUrl: string): string {
  return (
    `<h1>Demo MCP client</h1><p>MCP server: <code>${escapeHtml(mcpUrl)}</code></p>` +
    `<form method="post" action="/connect"><button type="submit">Connect to the MCP server</button></form>`
  )
}

function renderResultPage(claims: unknown, toolResult: CallToolResult): string {
  const toolText = toolResult.content.map((item) => (item.type === 'text' ? item.text : JSON.stringify(item))).join('\n')
  return (
    `<h1>Connected to the MCP server</h1>` +
    `<h2>Access token claims</h2><pre data-testid="token-claims">${escapeHtml(JSON.stringify(claims, null, 2))}</pre>` +
    `<h2>whoami</h2><pre data-testid="tool-result">${escapeHtml(toolText)}</pre>` +
    `<p><a href="/">Start again</a></p>`
  )
}

function renderError(message: string): string {
  return `<h1>Demo MCP client</h1><p data-testid="demo-error">${escapeHtml(message)}</p><p><a href="/">Start again</a></p>`
}
