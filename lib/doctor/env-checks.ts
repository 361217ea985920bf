import 'server-only'
import { CONNECTION_ID_PATTERN, ConfigError, parseEnv } from '../env'
import { CREDENTIALS_PAGE, fail, pass, type EnvSource, type Finding } from './findings'
import { legacyServer, readDoctorServers, type DoctorServer, type DoctorServers } from './servers'

// 1. The configuration, through the same parser the server refuses to start with.

export const APP_URL_FIX = 'Set APP_URL to the public https origin people and Scalekit reach the bridge at, e.g. https://login.example.com.'

const SERVER_FIELDS = 'key, name, connectionId; optionally default, allow, sources, scalekit'

const ENV_FIXES: Record<string, string> = {
  APP_URL: APP_URL_FIX,
  SCALEKIT_ENVIRONMENT_URL: `Copy the Environment URL from ${CREDENTIALS_PAGE} into SCALEKIT_ENVIRONMENT_URL.`,
  SCALEKIT_CLIENT_ID: `Copy the client id from ${CREDENTIALS_PAGE} into SCALEKIT_CLIENT_ID.`,
  SCALEKIT_CLIENT_SECRET: `Copy (or create) a client secret in ${CREDENTIALS_PAGE} into SCALEKIT_CLIENT_SECRET.`,
  SESSION_SECRET: 'Set SESSION_SECRET to at least 32 random characters: openssl rand -base64 32.',
  AUTH_SECRET: 'Set AUTH_SECRET to at least 32 random characters: openssl rand -base64 32.',
  IDENTITY_SOURCES: 'Correct IDENTITY_SOURCES (README > Identity sources).',
  IDENTITY_SOURCES_FILE: 'Correct IDENTITY_SOURCES_FILE or the JSON it points at (README > Identity sources).',
  MCP_SERVERS: `Correct what the line names in MCP_SERVERS, a JSON array of MCP servers (${SERVER_FIELDS}).`,
  MCP_SERVERS_FILE: `Correct MCP_SERVERS_FILE or what the line names in the JSON array of MCP servers it points at (${SERVER_FIELDS}).`,
}

function suggestEnvFix(key: string): string {
  return ENV_FIXES[key] ?? `Correct ${key} in the env file (.env.example documents it).`
}

/** The key a problem of lib/env.ts is about: its messages start with the key's name. */
function readProblemKey(problem: string): string {
  return /^([A-Z][A-Z0-9_]*)/.exec(problem)?.[1] ?? 'config'
}

/** "MCP_SERVERS[0] (finance).connectionId: ..." names the servers (finance) and the field (connectionId). */
function readServerProblem(problem: string): { keys: string[]; field?: string } | undefined {
  const match = /^MCP_SERVERS(?:_FILE)?(?:\[\d+\])? \(([a-z0-9, -]+)\)(?:\.([A-Za-z]+))?/.exec(problem)
  return match ? { keys: match[1]!.split(', '), field: match[2] } : undefined
}

/** A problem the connection-id lines report, with the dashboard page to copy the id from. */
function isConnectionIdProblem(problem: string, servers: DoctorServers): boolean {
  if (!servers.multiServer) return readProblemKey(problem) === 'SCALEKIT_CONNECTION_ID'
  const about = readServerProblem(problem)
  return about?.field === 'connectionId' && servers.servers.some((server) => server.key === about.keys[0])
}

function envFinding(problem: string): Finding {
  const key = readProblemKey(problem)
  const keys = readServerProblem(problem)?.keys
  return fail(`env.${key}${keys ? `:${keys.join(',')}` : ''}`, problem, suggestEnvFix(key))
}

/**
 * One summary line, then one line per problem. Problems of a connection id are left to
 * checkConnectionIds, which reports them with the dashboard page to copy the id from.
 */
export function checkEnv(source: EnvSource, servers: DoctorServers = readDoctorServers(source)): Finding[] {
  let problems: string[]
  try {
    parseEnv(source)
    return [pass('env', 'The configuration is valid: the bridge would start with it.')]
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    problems = error.problems
  }
  const lines = problems.filter((problem) => !isConnectionIdProblem(problem, servers)).map(envFinding)
  const summary = fail(
    'env',
    `${problems.length} configuration problem${problems.length === 1 ? '' : 's'}: the bridge would refuse to start.`,
    lines.length
      ? 'Correct the keys named on the env.* lines that follow.'
      : servers.multiServer
        ? 'Correct the connection ids (see the connection-id lines).'
        : 'Correct SCALEKIT_CONNECTION_ID (see connection-id).',
  )
  return [summary, ...lines]
}

// ---------------------------------------------------------------------------------------------
// 2. conn_, not res_.

function checkServerConnectionId(server: DoctorServer): Finding {
  const id = `connection-id${server.idSuffix}`
  const { connectionId: value, connectionIdLabel: label } = server
  const fix = `Copy the Connection ID (it starts with conn_) from ${server.connectionIdPage} into ${server.connectionIdTarget}.`
  if (!value) return fail(id, `${label} is not set.`, fix)
  if (value.startsWith('res_')) {
    return fail(id, `${label} is ${value}: a res_ id is the MCP server's resource id, not its connection.`, fix)
  }
  if (!CONNECTION_ID_PATTERN.test(value)) {
    return fail(id, `${label} (${value}) does not look like conn_<letters and digits>.`, fix)
  }
  return pass(id, `${label} is a connection id (${value}).`)
}

/** SCALEKIT_CONNECTION_ID, the single-connection configuration's one server. */
export function checkConnectionId(source: EnvSource): Finding {
  return checkServerConnectionId(legacyServer(source))
}

/** The connection id of every server, each line named after its server's key. */
export function checkConnectionIds(source: EnvSource, servers: DoctorServers): Finding[] {
  if (!servers.multiServer) return [checkConnectionId(source)]
  return servers.servers.map(checkServerConnectionId)
}
