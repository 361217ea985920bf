import { startScalekitStandIn, type ScalekitStandIn } from '../stand-in/scalekit'
import { startDemoMcpServer, type DemoMcpServer } from '../stand-in/mcp-server'
import { getFreePort } from '../stand-in/test-support'
import { resolveSecretsFile, recordSecret } from './issued-secrets'

// Two Scalekit environments (two stand-ins), each with a protected MCP server whose BYOA
// connection sends people to one bridge's /login/{key}: what a company with a CRM server in one
// environment and a finance server in another has.

export const SERVERS_BRIDGE_PORT = 3700
export const SERVERS_BRIDGE_URL = `http://localhost:${SERVERS_BRIDGE_PORT}`

export interface Environment {
  standIn: ScalekitStandIn
  mcp: DemoMcpServer
  mcpUrl: string
  connectionId: string
  clientId: string
  clientSecret: string
}

export async function startEnvironment(name: string, serverKey: string): Promise<Environment> {
  // Both ports chosen before either listens (port 0 for one could be handed the other's).
  const mcpPort = await getFreePort()
  let standInPort = await getFreePort()
  while (standInPort === mcpPort) standInPort = await getFreePort()
  const mcpUrl = `http://localhost:${mcpPort}/mcp`
  const clientSecret = `e2e-${name}-client-secret-5c2f9a`
  recordSecret('client_secret', clientSecret)
  const connectionId = `conn_e2e${name}0001`
  const standIn = await startScalekitStandIn({
    port: standInPort,
    bridgeLoginUrl: `${SERVERS_BRIDGE_URL}/login/${serverKey}`,
    clientId: `skc_e2e_${name}`,
    clientSecret,
    connectionId,
    resourceId: `res_e2e${name}0001`,
    resourceUrl: mcpUrl,
    secretsFile: resolveSecretsFile(),
  })
  const mcp = await startDemoMcpServer({ port: mcpPort, resourceUrl: mcpUrl, issuer: standIn.issuer, jwksUrl: standIn.jwksUrl })
  return { standIn, mcp, mcpUrl, connectionId, clientId: `skc_e2e_${name}`, clientSecret }
}

export async function stopEnvironment(environment: Environment | undefined): Promise<void> {
  await environment?.mcp.close()
  await environment?.standIn.close()
}

export async function standInStats(environment: Environment): Promise<{ tokenFetches: number; userDetailsCalls: number }> {
  return (await fetch(`${environment.standIn.url}/_standin/stats`)).json()
}

export async function standInLoginRequest(environment: Environment, loginRequestId: string) {
  const response = await fetch(`${environment.standIn.url}/_standin/login-requests/${loginRequestId}`)
  return response.ok ? ((await response.json()) as { userDetailsCalls: number; user?: Record<string, unknown> }) : null
}

export async function createLoginRequestAt(environment: Environment, connectionId = environment.connectionId) {
  const response = await fetch(`${environment.standIn.url}/_standin/login-requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ connectionId }),
  })
  if (!response.ok) throw new Error(`creating a login request: ${response.status} ${await response.text()}`)
  return (await response.json()) as { loginRequestId: string; state: string }
}

export function serverLoginUrl(key: string, request: { loginRequestId: string; state: string }): string {
  return `${SERVERS_BRIDGE_URL}/login/${key}?${new URLSearchParams({ login_request_id: request.loginRequestId, state: request.state })}`
}
