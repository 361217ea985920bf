import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { InMemoryOAuthProvider } from './in-memory-oauth-provider'

export interface McpClientLoginOptions {
  mcpUrl: string
  /** Where the authorization server sends the browser back; it need not be served. */
  redirectUrl: string
  clientName?: string
  scope?: string
}

export interface McpClientLogin {
  /** Open this in the browser: it goes through Scalekit's /oauth/authorize to the bridge. */
  authorizationUrl: string
  /** The state the client sent; the redirect must bring it back unchanged. */
  clientState: string
  /** Exchanges the code (DCR client + PKCE verifier) and connects to the MCP server. */
  finish(code: string): Promise<void>
  /** Reads `code` and `state` (or `error`) from the URL the browser was redirected to, then finishes. */
  finishWithRedirect(redirectedUrl: string): Promise<void>
  callTool(name: string, args?: Record<string, unknown>): Promise<CallToolResult>
  accessToken(): string | undefined
  close(): Promise<void>
}

/** A real MCP SDK client, for tests that drive the browser part of the login themselves. */
export async function startMcpClientLogin(options: McpClientLoginOptions): Promise<McpClientLogin> {
  const serverUrl = new URL(options.mcpUrl)
  const provider = new InMemoryOAuthProvider({
    redirectUrl: options.redirectUrl,
    clientName: options.clientName ?? 'BYOA e2e MCP client',
    scope: options.scope,
  })
  const firstClient = createClient()
  try {
    await firstClient.connect(new StreamableHTTPClientTransport(serverUrl, { authProvider: provider }))
    await firstClient.close()
    throw new Error('the MCP server accepted a client without a token')
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error
  }
  const authorizationUrl = provider.authorizationUrl
  if (!authorizationUrl) throw new Error('the MCP client did not start an authorization')

  let connected: Client | undefined
  const finish = async (code: string) => {
    const transport = new StreamableHTTPClientTransport(serverUrl, { authProvider: provider })
    await transport.finishAuth(code)
    const client = createClient()
    await client.connect(new StreamableHTTPClientTransport(serverUrl, { authProvider: provider }))
    connected = client
  }

  return {
    authorizationUrl: authorizationUrl.toString(),
    clientState: provider.expectedState,
    finish,
    async finishWithRedirect(redirectedUrl) {
      const params = new URL(redirectedUrl).searchParams
      if (params.get('state') !== provider.expectedState) throw new Error('the redirect did not return the client state')
      const error = params.get('error')
      if (error) throw new Error(`authorization failed: ${error}`)
      const code = params.get('code')
      if (!code) throw new Error('the redirect carries no code')
      await finish(code)
    },
    async callTool(name, args = {}) {
      if (!connected) throw new Error('finish the login first')
      return (await connected.callTool({ name, arguments: args })) as CallToolResult
    },
    accessToken: () => provider.tokens()?.access_token,
    async close() {
      await connected?.close()
    },
  }
}

function createClient(): Client {
  return new Client({ name: 'byoa-e2e-mcp-client', version: '0.1.0' })
}
