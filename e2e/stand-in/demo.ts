import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { startScalekitStandIn } from './scalekit'
import { startDemoMcpServer } from './mcp-server'
import { startDemoClient } from './demo-client'
import { migrateToLatest, openDatabase } from '../../lib/db'
import { addUser, findUserByEmail } from '../../lib/users/directory'

// `npm run demo`: the whole MCP OAuth flow on one machine, on embedded defaults. A Scalekit
// stand-in, a protected MCP server, a web MCP client and the bridge on SQLite with a demo user.
// No Scalekit account is needed.

const { values } = parseArgs({ options: { 'no-build': { type: 'boolean', default: false } } })

const PORTS = {
  bridge: Number(process.env.DEMO_BRIDGE_PORT ?? 3000),
  scalekit: Number(process.env.DEMO_SCALEKIT_PORT ?? 4010),
  mcp: Number(process.env.DEMO_MCP_PORT ?? 4020),
  client: Number(process.env.DEMO_CLIENT_PORT ?? 4030),
}
const DEMO_USER = { email: 'demo@example.com', name: 'Demo User', password: 'demo-password' }
const DATABASE_URL = 'file:.data/demo.db'
const APP_URL = `http://localhost:${PORTS.bridge}`
const MCP_URL = `http://localhost:${PORTS.mcp}/mcp`
const CONNECTION_ID = 'conn_demo00000001'
const RESOURCE_ID = 'res_demo00000001'

const children: ChildProcess[] = []
const closers: Array<() => Promise<void>> = []

/** Demo secrets are made once and kept under .data/, so a restart keeps sessions valid. */
function demoSecrets(): { clientSecret: string; sessionSecret: string; authSecret: string } {
  const file = path.resolve('.data/demo-secrets.json')
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'))
  const secrets = {
    clientSecret: randomBytes(24).toString('base64url'),
    sessionSecret: randomBytes(32).toString('base64url'),
    authSecret: randomBytes(32).toString('base64url'),
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 })
  return secrets
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: 'inherit' })
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`))))
  })
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error('the bridge exited; see its output above')
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`the bridge did not answer at ${url}`)
}

async function ensureDemoUser(): Promise<void> {
  const handle = await openDatabase(DATABASE_URL)
  try {
    await migrateToLatest(handle)
    if (!(await findUserByEmail(handle.db, DEMO_USER.email))) await addUser(handle.db, DEMO_USER)
  } finally {
    await handle.db.destroy()
  }
}

async function main(): Promise<void> {
  const secrets = demoSecrets()
  // The server must not inherit this script's react-server resolution condition.
  const childEnv = { ...process.env, NODE_OPTIONS: '' }
  if (!values['no-build']) {
    console.log('Building the bridge (next build)...')
    await run(['node_modules/next/dist/bin/next', 'build'], childEnv)
  }

  const scalekit = await startScalekitStandIn({
    port: PORTS.scalekit,
    bridgeLoginUrl: `${APP_URL}/login`,
    clientId: 'skc_demo_bridge',
    clientSecret: secrets.clientSecret,
    connectionId: CONNECTION_ID,
    resourceId: RESOURCE_ID,
    resourceUrl: MCP_URL,
  })
  closers.push(() => scalekit.close())
  const mcp = await startDemoMcpServer({
    port: PORTS.mcp,
    resourceUrl: MCP_URL,
    issuer: scalekit.issuer,
    jwksUrl: scalekit.jwksUrl,
  })
  closers.push(() => mcp.close())
  const client = await startDemoClient({ port: PORTS.client, mcpUrl: MCP_URL })
  closers.push(() => client.close())

  await ensureDemoUser()
  const bridge = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-p', String(PORTS.bridge), '-H', '127.0.0.1'], {
    env: {
      ...childEnv,
      APP_URL,
      SCALEKIT_ENVIRONMENT_URL: scalekit.url,
      SCALEKIT_CLIENT_ID: 'skc_demo_bridge',
      SCALEKIT_CLIENT_SECRET: secrets.clientSecret,
      SCALEKIT_CONNECTION_ID: CONNECTION_ID,
      SESSION_SECRET: secrets.sessionSecret,
      AUTH_SECRET: secrets.authSecret,
      DATABASE_URL,
      ADMIN_EMAILS: DEMO_USER.email,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  children.push(bridge)
  await waitForHealth(`${APP_URL}/api/health`, bridge)

  console.log(`
The demo is running: an MCP client, a protected MCP server, Scalekit (a local stand-in) and this
bridge as Scalekit's "Bring your own auth" login endpoint (${APP_URL}/login).

  Open ${client.url} and click "Connect to the MCP server".
  Sign in on the bridge as ${DEMO_USER.email} with the password ${DEMO_USER.password}.

You end on a page with the access token's claims and the result of the MCP tool call "whoami".
Stop with Ctrl+C.`)
}

let stopping = false
async function stop(code: number): Promise<void> {
  if (stopping) return
  stopping = true
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  await Promise.allSettled(closers.map((close) => close()))
  process.exit(code)
}

process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
main().catch((error: unknown) => {
  console.error(`The demo could not start: ${error instanceof Error ? error.message : String(error)}`)
  void stop(1)
})
