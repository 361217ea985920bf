import { z } from 'zod'
import { isHttpsOrLoopback } from '../server/urls'
import { describeIssues, envSecret, parseJson, readJsonSetting } from '../server/json-setting'

// The MCP servers one bridge signs people in for, read from MCP_SERVERS (a JSON array) or
// MCP_SERVERS_FILE. Each is one Scalekit BYOA connection with its own login endpoint
// ({APP_URL}/login/{key}), its own access policy and, optionally, its own Scalekit environment.
// Without MCP_SERVERS, SCALEKIT_CONNECTION_ID is the one server, served at /login as before.

/** Scalekit's BYOA connection id; `npm run doctor` checks the same shape. */
export const CONNECTION_ID_PATTERN = /^conn_[A-Za-z0-9]{1,64}$/
/** Where a person finds the connection id in Scalekit's dashboard. */
export const CONNECTION_ID_PAGE = 'Dashboard > MCP Servers > your server > Advanced Configurations > Connection ID'
const CREDENTIALS_PAGE = 'Dashboard > Settings > API Credentials'

/** Words the app's own routes use under /login: a server key may not be one of them. */
const RESERVED_SERVER_KEYS = [
  'problem',
  'resume',
  'source-error',
  'denied',
  'verify',
  'enrol',
  'forgot',
  'reset',
  'api',
  'admin',
  'static',
  'new',
] as const

/** The key of the one server a single-connection (SCALEKIT_CONNECTION_ID) deployment has. */
export const LEGACY_SERVER_KEY = 'default'

export interface ScalekitEnvironment {
  environmentUrl: string
  clientId: string
  clientSecret: string
}

interface AccessRules {
  groups?: string[]
  roles?: string[]
  emails?: string[]
  domains?: string[]
  sources?: string[]
}

export interface McpServer {
  key: string
  name: string
  connectionId: string
  /** Unset: anyone who signs in. */
  allow?: AccessRules
  /** Unset: every identity source is offered. */
  sources?: string[]
  /** Only a sign-in with a second factor (amr "mfa") completes for this server; local users without one enrol first. */
  requireMfa?: boolean
  environment: ScalekitEnvironment
  /** Where its login endpoint is: /login for the single-connection configuration, /login/{key} otherwise. */
  path: string
}

export interface ServersConfig {
  servers: McpServer[]
  /** The server /login (without a key) serves; none when several are configured and none is marked default. */
  defaultServer?: McpServer
  /** True when the servers come from MCP_SERVERS, false for SCALEKIT_CONNECTION_ID. */
  multiServer: boolean
}

/** Problems of a connection id, as a sentence naming where it was set. */
export function connectionIdProblem(value: string, where: string): string | undefined {
  if (CONNECTION_ID_PATTERN.test(value)) return undefined
  if (value.startsWith('res_')) {
    return `${where} is set to a res_... value: that is the MCP server's resource id. Use the conn_... id from ${CONNECTION_ID_PAGE}`
  }
  return `${where} must look like conn_<letters and digits> (${CONNECTION_ID_PAGE})`
}

const Origin = z
  .string()
  .trim()
  .pipe(z.url({ error: 'must be an absolute URL such as https://acme.scalekit.dev' }))
  .refine((value) => isHttpsOrLoopback(new URL(value)), 'must use https (plain http is accepted only for localhost, 127.0.0.0/8 and [::1])')
  .transform((value) => new URL(value).origin)

const Names = (what: string) =>
  z
    .array(z.string().trim().min(1, `each ${what} must be a non-empty string`).max(256))
    .max(200)
    .transform((values) => [...new Set(values)])

function serverSchema(env: Record<string, string | undefined>) {
  return z.strictObject({
    key: z
      .string({ error: 'key is required' })
      .regex(/^[a-z0-9-]{1,40}$/, 'key must be 1 to 40 lowercase letters, digits or dashes (it is the last part of the login URL)')
      .superRefine((key, ctx) => {
        if (!(RESERVED_SERVER_KEYS as readonly string[]).includes(key)) return
        ctx.addIssue({
          code: 'custom',
          message: `key "${key}" is a word the bridge's own pages use under /login (${RESERVED_SERVER_KEYS.join(', ')}); choose another key`,
        })
      }),
    name: z.string({ error: 'name is required (shown on the sign-in page)' }).trim().min(1).max(80),
    connectionId: z
      .string({ error: `connectionId is required (${CONNECTION_ID_PAGE})` })
      .trim()
      .superRefine((value, ctx) => {
        const problem = connectionIdProblem(value, 'connectionId')
        if (problem) ctx.addIssue({ code: 'custom', message: problem })
      }),
    default: z.boolean().optional(),
    allow: z
      .strictObject({
        groups: Names('group').optional(),
        roles: Names('role').optional(),
        emails: Names('email')
          .pipe(z.array(z.email({ error: 'emails must be email addresses' })))
          .optional(),
        domains: Names('domain')
          .pipe(z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'domains must be domain names such as example.com')))
          .optional(),
        sources: Names('source').optional(),
      })
      .optional(),
    sources: z.array(z.string()).min(1, 'sources, when set, must list at least one identity source id').optional(),
    requireMfa: z.boolean({ error: 'requireMfa must be true or false' }).optional(),
    scalekit: z
      .strictObject({
        environmentUrl: Origin,
        clientId: z
          .string({ error: `clientId is required (${CREDENTIALS_PAGE})` })
          .trim()
          .min(1),
        clientSecret: envSecret(1, env),
      })
      .optional(),
  })
}

type ParsedServer = z.infer<ReturnType<typeof serverSchema>>

function toServer(entry: ParsedServer, fallback: ScalekitEnvironment | undefined): McpServer {
  const allow = entry.allow && Object.values(entry.allow).some((rule) => rule !== undefined) ? entry.allow : undefined
  return {
    key: entry.key,
    name: entry.name,
    connectionId: entry.connectionId,
    ...(allow ? { allow: normaliseRules(allow) } : {}),
    ...(entry.sources ? { sources: entry.sources } : {}),
    ...(entry.requireMfa ? { requireMfa: true } : {}),
    environment: entry.scalekit ?? fallback!,
    path: `/login/${entry.key}`,
  }
}

/** Emails and domains compare in lower case; groups, roles and source ids exactly. */
function normaliseRules(allow: AccessRules): AccessRules {
  return {
    ...allow,
    ...(allow.emails ? { emails: allow.emails.map((email) => email.toLowerCase()) } : {}),
    ...(allow.domains ? { domains: allow.domains.map((domain) => domain.toLowerCase()) } : {}),
  }
}

/** Checks that cross entries: unique keys, one default at most, known sources, top-level credentials where needed. */
function crossCheck(servers: ParsedServer[], key: string, context: ServerContext, problems: string[]): void {
  const seen = new Set<string>()
  for (const server of servers) {
    if (seen.has(server.key)) problems.push(`${key}: the key "${server.key}" is used twice; keys must be unique`)
    seen.add(server.key)
    for (const id of [...(server.sources ?? []), ...(server.allow?.sources ?? [])]) {
      if (!context.sourceIds.includes(id)) {
        problems.push(
          `${key} (${server.key}): "${id}" is not an identity source; use one of the ids in IDENTITY_SOURCES (${context.sourceIds.join(', ')})`,
        )
      }
    }
  }
  const defaults = servers.filter((server) => server.default)
  if (defaults.length > 1) {
    problems.push(`${key}: ${defaults.map((s) => `"${s.key}"`).join(' and ')} are both marked "default": true; /login can serve only one`)
  }
  const withoutOwn = servers.filter((server) => !server.scalekit).map((server) => server.key)
  if (withoutOwn.length && !context.topLevel) {
    problems.push(
      `${key} (${withoutOwn.join(', ')}): no "scalekit" block, so SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET must be set (${CREDENTIALS_PAGE})`,
    )
  }
}

export interface ServerContext {
  /** The identity sources' ids, which `sources` and `allow.sources` may name. */
  sourceIds: string[]
  /** The top-level SCALEKIT_* environment, when all three keys are set and valid. */
  topLevel?: ScalekitEnvironment
  /** SCALEKIT_CONNECTION_ID, when set (and valid). */
  connectionId?: string
}

/** The servers of MCP_SERVERS(_FILE), or undefined (with no problem) when neither is set. */
export function parseServersConfig(
  env: Record<string, string | undefined>,
  context: ServerContext,
): { config?: ServersConfig; problems: string[] } {
  const problems: string[] = []
  const key = env.MCP_SERVERS_FILE?.trim() ? 'MCP_SERVERS_FILE' : 'MCP_SERVERS'
  const text = readJsonSetting(env, { inline: 'MCP_SERVERS', file: 'MCP_SERVERS_FILE' }, problems)
  if (text === undefined) return { problems }
  if (env.SCALEKIT_CONNECTION_ID?.trim()) {
    problems.push(
      `${key} and SCALEKIT_CONNECTION_ID are both set: move the connection into ${key} (as a server with "connectionId": "${env.SCALEKIT_CONNECTION_ID.trim().slice(0, 70)}") and remove SCALEKIT_CONNECTION_ID`,
    )
  }
  const raw = parseJson(text, key, problems)
  if (raw === undefined) return { problems }
  const parsed = z
    .array(serverSchema(env), { error: 'must be a JSON array of MCP servers' })
    .min(1, 'must list at least one MCP server')
    .safeParse(raw)
  if (!parsed.success) return { problems: [...problems, ...describeIssues(parsed.error.issues, raw, key, 'key')] }
  crossCheck(parsed.data, key, context, problems)
  if (problems.length) return { problems }
  const servers = parsed.data.map((entry) => toServer(entry, context.topLevel))
  const marked = parsed.data.findIndex((entry) => entry.default)
  const defaultServer = marked >= 0 ? servers[marked] : servers.length === 1 ? servers[0] : undefined
  return { config: { servers, defaultServer, multiServer: true }, problems }
}

/** Today's single-connection configuration: one server, served at /login. */
export function legacyServers(connectionId: string, environment: ScalekitEnvironment): ServersConfig {
  const server: McpServer = { key: LEGACY_SERVER_KEY, name: 'MCP server', connectionId, environment, path: '/login' }
  return { servers: [server], defaultServer: server, multiServer: false }
}
