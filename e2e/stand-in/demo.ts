import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { startScalekitStandIn } from './scalekit'
import { startDemoMcpServer } from './mcp-server'
import { startDemoClient } from './demo-client'
import { startCatcherHttp, startMailCatcher } from '../mail-catcher/catcher'
import { migrateToLatest, openDatabase } from '../../lib/db'
import { addUser, findUserByEmail, setUserGroups, userGroups } from '../../lib/users/directory'

// `npm run demo`: the whole MCP OAuth flow on one machine, on embedded defaults. Two protected MCP
// servers (Notes MCP for everyone, Finance MCP for the group finance), each with its own Scalekit
// stand-in (one environment each) and BYOA connection; a web MCP client; and the bridge on SQLite,
// serving both login endpoints (/login/notes, /login/finance), with two people and an admin.
// No Scalekit account is needed.

const { values } = parseArgs({ options: { 'no-build': { type: 'boolean', default: false } } })

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const BRIDGE_PORT = port('DEMO_BRIDGE_PORT', 3000)
const CLIENT_PORT = port('DEMO_CLIENT_PORT', 4030)
const SMTP_PORT = port('DEMO_SMTP_PORT', 2525)
const MAILBOX_PORT = port('DEMO_MAILBOX_PORT', 4040)
const MAILBOX_URL = `http://localhost:${MAILBOX_PORT}`
const DATABASE_URL = 'file:.data/demo.db'
const APP_URL = `http://localhost:${BRIDGE_PORT}`

interface DemoServer {
  key: string
  name: string
  /** Who the bridge admits, in words, for the client page and this script's output. */
  access: string
  allow?: { groups: string[] }
  scalekitPort: number
  mcpPort: number
  connectionId: string
  resourceId: string
  clientId: string
  /** Its environment's client secret: in .data/demo-secrets.json, given to the bridge as this variable. */
  secret: SecretName
  secretEnv: string
}

const SERVERS: DemoServer[] = [
  {
    key: 'notes',
    name: 'Notes MCP',
    access: 'everyone who signs in',
    scalekitPort: port('DEMO_SCALEKIT_PORT', 4010),
    mcpPort: port('DEMO_MCP_PORT', 4020),
    connectionId: 'conn_demo00000001',
    resourceId: 'res_demo00000001',
    clientId: 'skc_demo_bridge',
    secret: 'clientSecret',
    secretEnv: 'DEMO_NOTES_CLIENT_SECRET',
  },
  {
    key: 'finance',
    name: 'Finance MCP',
    access: 'only the group finance',
    allow: { groups: ['finance'] },
    scalekitPort: port('DEMO_FINANCE_SCALEKIT_PORT', 4011),
    mcpPort: port('DEMO_FINANCE_MCP_PORT', 4021),
    connectionId: 'conn_demo00000002',
    resourceId: 'res_demo00000002',
    clientId: 'skc_demo_finance',
    secret: 'financeClientSecret',
    secretEnv: 'DEMO_FINANCE_CLIENT_SECRET',
  },
]

const PEOPLE = [
  {
    email: 'demo@example.com',
    name: 'Demo User',
    password: 'demo-password',
    groups: [] as string[],
    note: 'not in finance: admitted to Notes MCP, refused on Finance MCP',
  },
  {
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    password: 'ada-password',
    groups: ['finance'],
    note: 'in the group finance: admitted to both',
  },
]
const ADMIN = { email: 'admin@example.com', name: 'Demo Admin', password: 'admin-password' }

const loginUrl = (server: DemoServer) => `${APP_URL}/login/${server.key}`
const mcpUrl = (server: DemoServer) => `http://localhost:${server.mcpPort}/mcp`

const children: ChildProcess[] = []
const closers: Array<() => Promise<void>> = []

const SECRET_NAMES = ['clientSecret', 'financeClientSecret', 'sessionSecret', 'authSecret'] as const
type SecretName = (typeof SECRET_NAMES)[number]

/** Demo secrets are made once and kept under .data/, so a restart keeps sessions valid; a missing one is added. */
function demoSecrets(): Record<SecretName, string> {
  const file = path.resolve('.data/demo-secrets.json')
  const stored: Partial<Record<SecretName, unknown>> = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {}
  const missing = SECRET_NAMES.filter((name) => typeof stored[name] !== 'string')
  for (const name of missing) stored[name] = randomBytes(32).toString('base64url')
  if (missing.length) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, JSON.stringify(stored), { mode: 0o600 })
  }
  return stored as Record<SecretName, string>
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

/** The people and the admin, added when absent; a demo.db from an earlier demo gets the missing ones and groups. */
async function ensureDemoUsers(): Promise<void> {
  const handle = await openDatabase(DATABASE_URL)
  try {
    await migrateToLatest(handle)
    for (const { email, name, password, groups } of PEOPLE) {
      const existing = await findUserByEmail(handle.db, email)
      if (!existing) {
        await addUser(handle.db, { email, name, password, groups })
        continue
      }
      const current = userGroups(existing)
      const missing = groups.filter((group) => !current.includes(group))
      if (missing.length) await setUserGroups(handle.db, email, [...current, ...missing])
    }
    if (!(await findUserByEmail(handle.db, ADMIN.email))) await addUser(handle.db, { ...ADMIN, isAdmin: true })
  } finally {
    await handle.db.destroy()
  }
}

/** One MCP server with its own Scalekit environment; answers its entry in the bridge's MCP_SERVERS. */
async function startServer(server: DemoServer, clientSecret: string): Promise<Record<string, unknown>> {
  const scalekit = await startScalekitStandIn({
    port: server.scalekitPort,
    bridgeLoginUrl: loginUrl(server),
    clientId: server.clientId,
    clientSecret,
    connectionId: server.connectionId,
    resourceId: server.resourceId,
    resourceUrl: mcpUrl(server),
  })
  closers.push(() => scalekit.close())
  const mcp = await startDemoMcpServer({
    port: server.mcpPort,
    resourceUrl: mcpUrl(server),
    issuer: scalekit.issuer,
    jwksUrl: scalekit.jwksUrl,
  })
  closers.push(() => mcp.close())
  return {
    key: server.key,
    name: server.name,
    connectionId: server.connectionId,
    ...(server.allow ? { allow: server.allow } : {}),
    scalekit: { environmentUrl: scalekit.url, clientId: server.clientId, clientSecret: `env:${server.secretEnv}` },
  }
}

function bridgeEnv(childEnv: NodeJS.ProcessEnv, secrets: Record<SecretName, string>, servers: unknown[]): NodeJS.ProcessEnv {
  return {
    ...childEnv,
    APP_URL,
    MCP_SERVERS: JSON.stringify(servers),
    ...Object.fromEntries(SERVERS.map((server) => [server.secretEnv, secrets[server.secret]])),
    // Empty, so neither the shell nor a .env file adds a single-connection setting beside MCP_SERVERS.
    MCP_SERVERS_FILE: '',
    SCALEKIT_CONNECTION_ID: '',
    SCALEKIT_ENVIRONMENT_URL: '',
    SCALEKIT_CLIENT_ID: '',
    SCALEKIT_CLIENT_SECRET: '',
    SESSION_SECRET: secrets.sessionSecret,
    AUTH_SECRET: secrets.authSecret,
    DATABASE_URL,
    ADMIN_EMAILS: '',
    // Mail goes to the demo's own SMTP server (smtp-server on loopback), read at MAILBOX_URL.
    SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
    MAIL_FROM: 'Demo Login <login@demo.example>',
    MAIL_SIGN_IN_ALERTS: 'on',
  }
}

function instructions(clientUrl: string): string {
  const width = Math.max(...PEOPLE.map((person) => person.email.length))
  const passwordWidth = Math.max(...PEOPLE.map((person) => person.password.length))
  return `
The demo is running: a web MCP client, two protected MCP servers, Scalekit (a local stand-in, one
environment per server) and this bridge as each server's "Bring your own auth" login endpoint:

${SERVERS.map((server) => `  ${server.name.padEnd(12)} ${loginUrl(server).padEnd(APP_URL.length + 16)} ${server.access}`).join('\n')}

  Open ${clientUrl} and click ${SERVERS.map((server) => `"Connect to ${server.name}"`).join(' or ')}.
  Sign in on the bridge as one of:
${PEOPLE.map((person) => `    ${person.email.padEnd(width)}  password ${person.password.padEnd(passwordWidth)}  ${person.note}`).join('\n')}

The client page then shows each step (client, Scalekit, the bridge's sign-in, its access policy, back
to the client), the access token's claims and the result of the MCP tool call "whoami". An account a
server refuses gets the bridge's "cannot use" page; its "Cancel" returns to the client with access_denied.

  Review the logins at ${APP_URL}/admin as ${ADMIN.email} with the password ${ADMIN.password}.

  Every message the bridge sends (a password reset from "Forgot your password?", address
  verification, invitations, new-sign-in alerts) arrives in the demo mailbox: ${MAILBOX_URL}

Stop with Ctrl+C.`
}

async function main(): Promise<void> {
  const secrets = demoSecrets()
  // The server must not inherit this script's react-server resolution condition.
  const childEnv = { ...process.env, NODE_OPTIONS: '' }
  if (!values['no-build']) {
    console.log('Building the bridge (next build)...')
    await run(['node_modules/next/dist/bin/next', 'build'], childEnv)
  }

  const entries: unknown[] = []
  for (const server of SERVERS) entries.push(await startServer(server, secrets[server.secret]))
  const client = await startDemoClient({
    port: CLIENT_PORT,
    servers: SERVERS.map((server) => ({
      key: server.key,
      name: server.name,
      mcpUrl: mcpUrl(server),
      loginUrl: loginUrl(server),
      access: server.access,
    })),
    accounts: [...PEOPLE, { ...ADMIN, note: `administrator: sees these logins at ${APP_URL}/admin` }],
  })
  closers.push(() => client.close())

  // A real SMTP server in this process, and its mailbox page, so "Forgot your password?" works end to end.
  const mail = await startMailCatcher({ smtpPort: SMTP_PORT })
  closers.push(() => mail.close())
  const mailbox = await startCatcherHttp(mail, MAILBOX_PORT)
  closers.push(() => new Promise((resolve) => mailbox.close(() => resolve())))

  await ensureDemoUsers()
  const bridge = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-p', String(BRIDGE_PORT), '-H', '127.0.0.1'], {
    env: bridgeEnv(childEnv, secrets, entries),
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  children.push(bridge)
  await waitForHealth(`${APP_URL}/api/health`, bridge)
  console.log(instructions(client.url))
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
