import { startDemoClient } from './demo-client'
import { startDemoMcpServer } from './mcp-server'

async function main(): Promise<void> {
  const env = process.env
  const scalekitUrl = (env.SCALEKIT_ENVIRONMENT_URL || 'http://127.0.0.1:4010').replace(/\/$/, '')
  const resourceId = env.STANDIN_RESOURCE_ID || 'res_demo00000001'
  const resourceUrl = env.MCP_RESOURCE_URL || 'http://localhost:4020/mcp'

  const mcpServer = await startDemoMcpServer({
    port: Number(env.MCP_PORT || 4020),
    host: env.MCP_HOST || '127.0.0.1',
    resourceUrl,
    issuer: `${scalekitUrl}/resources/${resourceId}`,
    jwksUrl: `${scalekitUrl}/keys`,
  })
  console.log(`demo mcp server listening on ${mcpServer.url} (resource ${resourceUrl})`)

  const demoClient = await startDemoClient({
    port: Number(env.DEMO_CLIENT_PORT || 4030),
    host: env.DEMO_CLIENT_HOST || '127.0.0.1',
    mcpUrl: resourceUrl,
    publicUrl: env.DEMO_CLIENT_PUBLIC_URL || undefined,
  })
  console.log(`demo mcp client listening on ${demoClient.url}`)

  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    Promise.all([mcpServer.close(), demoClient.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((error: unknown) => {
  console.error('demo mcp server failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
