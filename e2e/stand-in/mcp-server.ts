import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose'
import { bearerToken, closeHttpServer, hostForUrl, sendJson } from './http-helpers'

export interface DemoMcpServerOptions {
  /** 0 picks a free port (then resourceUrl must already name it, so pick the port first). */
  port?: number
  host?: string
  /** The resource identifier registered at Scalekit; tokens must carry it as `aud`. */
  resourceUrl: string
  /** Authorization server issuer: `{scalekit}/resources/{resourceId}`. */
  issuer: string
  jwksUrl: string
}

export interface DemoMcpServer {
  url: string
  port: number
  resourceMetadataUrl: string
  close(): Promise<void>
}

/** A protected MCP server as the Scalekit guide describes it: PRM, 401 challenge, JWT validation. */
export async function startDemoMcpServer(options: DemoMcpServerOptions): Promise<DemoMcpServer> {
  const host = options.host ?? '127.0.0.1'
  const resourceUrl = new URL(options.resourceUrl)
  const mcpPath = resourceUrl.pathname
  const metadataPaths = ['/.well-known/oauth-protected-resource', `/.well-known/oauth-protected-resource${mcpPath === '/' ? '' : mcpPath}`]
  // RFC 9728 §3.1: the metadata URL of a resource with a path has that path after the well-known part.
  const resourceMetadataUrl = new URL(metadataPaths[1] ?? metadataPaths[0] ?? '', resourceUrl.origin).toString()
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl))

  const verifyToken = async (token: string): Promise<AuthInfo | undefined> => {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.resourceUrl,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'sub'],
      })
      return toAuthInfo(token, payload, resourceUrl)
    } catch {
      return undefined
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://placeholder').pathname
    // Browser-based MCP clients (the MCP Inspector) need CORS, and must be able to read the challenge.
    res.setHeader('access-control-allow-origin', '*')
    res.setHeader('access-control-expose-headers', 'www-authenticate, mcp-session-id')
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        'access-control-allow-headers': 'authorization, content-type, mcp-protocol-version, mcp-session-id, last-event-id',
        'access-control-max-age': '600',
      })
      res.end()
      return
    }
    if (req.method === 'GET' && metadataPaths.includes(path)) {
      return sendJson(res, 200, {
        resource: options.resourceUrl,
        authorization_servers: [options.issuer],
        bearer_methods_supported: ['header'],
        scopes_supported: ['openid', 'profile', 'email'],
      })
    }
    if (path !== mcpPath) return sendJson(res, 404, { error: 'not found' })

    const token = bearerToken(req)
    const authInfo = token ? await verifyToken(token) : undefined
    if (!authInfo) {
      const error = token ? ', error="invalid_token"' : ''
      return sendJson(
        res,
        401,
        { error: 'unauthorized' },
        { 'www-authenticate': `Bearer resource_metadata="${resourceMetadataUrl}"${error}` },
      )
    }
    // Stateless server: no session, so no standalone SSE stream to open or session to delete.
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'POST' })
    await serveMcpRequest(Object.assign(req, { auth: authInfo }), res)
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
      else res.destroy()
    })
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    })
  })
  return {
    url: `http://${hostForUrl(host)}:${port}${mcpPath}`,
    port,
    resourceMetadataUrl,
    close: () => closeHttpServer(server),
  }
}

async function serveMcpRequest(req: IncomingMessage & { auth: AuthInfo }, res: ServerResponse): Promise<void> {
  const server = createWhoamiServer()
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
  res.on('close', () => {
    void transport.close()
    void server.close()
  })
  await server.connect(transport)
  await transport.handleRequest(req, res)
}

function createWhoamiServer(): McpServer {
  const server = new McpServer({ name: 'byoa-demo-mcp-server', version: '0.1.0' })
  server.registerTool('whoami', { description: 'Who the access token says you are.' }, async (extra) => {
    const claims = (extra.authInfo?.extra?.claims ?? {}) as JWTPayload
    const identity = { sub: claims.sub, email: claims.email, name: claims.name }
    return { content: [{ type: 'text', text: JSON.stringify(identity) }] }
  })
  return server
}

function toAuthInfo(token: string, payload: JWTPayload, resource: URL): AuthInfo {
  const scope = typeof payload.scope === 'string' ? payload.scope : ''
  return {
    token,
    clientId: typeof payload.client_id === 'string' ? payload.client_id : '',
    scopes: scope.split(' ').filter(Boolean),
    expiresAt: payload.exp,
    resource,
    extra: { claims: payload },
  }
}
