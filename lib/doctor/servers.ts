import 'server-only'
import { parseJson, readJsonSetting } from '../server/json-setting'
import { CONNECTION_ID_PAGE, LEGACY_SERVER_KEY } from '../servers/config'
import { readEnvValue, type EnvSource, type Finding } from './findings'

// The MCP servers the doctor checks, read leniently: lib/servers/config.ts refuses a configuration
// with any problem (the env lines report those), while the doctor still checks every entry it can
// make out, so a res_ id in one entry does not hide what is wrong (or right) with the others.

const KEY_PATTERN = /^[a-z0-9-]{1,40}$/

/** A Scalekit environment as configured, each value possibly missing, with where each one is set. */
export interface DoctorEnvironment {
  url?: string
  clientId?: string
  clientSecret?: string
  /** The names to print for the three settings: env keys, or the entry's "scalekit" fields. */
  labels: { url: string; clientId: string; clientSecret: string }
}

export interface DoctorServer {
  key: string
  name: string
  connectionId?: string
  /** Where the connection id is set, as printed: SCALEKIT_CONNECTION_ID or `MCP_SERVERS (key) connectionId`. */
  connectionIdLabel: string
  /** Where to paste the connection id, as a fix says it. */
  connectionIdTarget: string
  environment: DoctorEnvironment
  /** The login endpoint's path: /login for the single-connection configuration, /login/{key} otherwise. */
  path: string
  /** The dashboard page that shows its connection id. */
  connectionIdPage: string
  /** Appended to each finding id: empty for the single-connection configuration, `:key` otherwise. */
  idSuffix: string
}

export interface DoctorServers {
  /** True when MCP_SERVERS (or MCP_SERVERS_FILE) is set. */
  multiServer: boolean
  servers: DoctorServer[]
}

const TOP_LEVEL_LABELS = { url: 'SCALEKIT_ENVIRONMENT_URL', clientId: 'SCALEKIT_CLIENT_ID', clientSecret: 'SCALEKIT_CLIENT_SECRET' }

function topLevelEnvironment(source: EnvSource): DoctorEnvironment {
  return {
    url: readEnvValue(source, 'SCALEKIT_ENVIRONMENT_URL'),
    clientId: readEnvValue(source, 'SCALEKIT_CLIENT_ID'),
    clientSecret: source.SCALEKIT_CLIENT_SECRET || undefined,
    labels: TOP_LEVEL_LABELS,
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined)

/** A secret in the JSON, or "env:NAME" to read it from that variable, as lib/server/json-setting.ts reads it. */
function resolveSecret(value: unknown, source: EnvSource): string | undefined {
  if (typeof value !== 'string' || !value) return undefined
  const name = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value)?.[1]
  return (name ? source[name] : value) || undefined
}

function ownEnvironment(block: Record<string, unknown>, where: string, source: EnvSource): DoctorEnvironment {
  return {
    url: text(block.environmentUrl),
    clientId: text(block.clientId),
    clientSecret: resolveSecret(block.clientSecret, source),
    labels: {
      url: `${where} scalekit.environmentUrl`,
      clientId: `${where} scalekit.clientId`,
      clientSecret: `${where} scalekit.clientSecret`,
    },
  }
}

function readEntry(entry: unknown, setting: string, source: EnvSource): DoctorServer | undefined {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return undefined
  const fields = entry as Record<string, unknown>
  const key = text(fields.key)
  if (!key || !KEY_PATTERN.test(key)) return undefined
  const name = text(fields.name) ?? key
  const where = `${setting} (${key})`
  const block = fields.scalekit
  return {
    key,
    name,
    connectionId: text(fields.connectionId),
    connectionIdLabel: `${where} connectionId`,
    connectionIdTarget: `the "connectionId" of "${key}" in ${setting}`,
    environment:
      block && typeof block === 'object' && !Array.isArray(block)
        ? ownEnvironment(block as Record<string, unknown>, where, source)
        : topLevelEnvironment(source),
    path: `/login/${key}`,
    connectionIdPage: CONNECTION_ID_PAGE.replace('your server', () => name),
    idSuffix: `:${key}`,
  }
}

/** The one server of the single-connection configuration (SCALEKIT_CONNECTION_ID). */
export function legacyServer(source: EnvSource): DoctorServer {
  return {
    key: LEGACY_SERVER_KEY,
    name: 'MCP server',
    connectionId: readEnvValue(source, 'SCALEKIT_CONNECTION_ID'),
    connectionIdLabel: 'SCALEKIT_CONNECTION_ID',
    connectionIdTarget: 'SCALEKIT_CONNECTION_ID',
    environment: topLevelEnvironment(source),
    path: '/login',
    connectionIdPage: CONNECTION_ID_PAGE,
    idSuffix: '',
  }
}

/** Every entry of MCP_SERVERS(_FILE) with a well-formed, unique key; or the one SCALEKIT_CONNECTION_ID server. */
export function readDoctorServers(source: EnvSource): DoctorServers {
  const setting = readEnvValue(source, 'MCP_SERVERS_FILE') ? 'MCP_SERVERS_FILE' : 'MCP_SERVERS'
  if (!readEnvValue(source, setting)) return { multiServer: false, servers: [legacyServer(source)] }
  // What is wrong with the setting is reported by the env lines; here, only what can be read counts.
  const ignored: string[] = []
  const json = readJsonSetting(source, { inline: 'MCP_SERVERS', file: 'MCP_SERVERS_FILE' }, ignored)
  const raw = json === undefined ? undefined : parseJson(json, setting, ignored)
  const servers: DoctorServer[] = []
  for (const entry of Array.isArray(raw) ? raw : []) {
    const server = readEntry(entry, setting, source)
    if (server && !servers.some((other) => other.key === server.key)) servers.push(server)
  }
  return { multiServer: true, servers }
}

/** Secrets the configuration holds outside SECRET-named keys: the entries' client secrets. */
export function serverSecrets(servers: DoctorServers): string[] {
  return servers.servers.map((server) => server.environment.clientSecret).filter((secret): secret is string => Boolean(secret))
}

/** "Finance MCP (finance)", for summaries of the multi-server configuration; empty for the single one. */
function describeServers(servers: DoctorServer[]): string {
  return servers
    .filter((server) => server.idSuffix)
    .map((server) => `${server.name} (${server.key})`)
    .join(', ')
}

/** The id of a check about these servers: `base`, or `base:key1,key2`. */
export function serverId(base: string, servers: DoctorServer[]): string {
  const keys = servers.filter((server) => server.idSuffix).map((server) => server.key)
  return keys.length ? `${base}:${keys.join(',')}` : base
}

/** A check's finding about these servers: its id carries their keys and its summary names them (multi-server only). */
export function aboutServers(finding: Finding, servers: DoctorServer[]): Finding {
  const names = describeServers(servers)
  return names ? { ...finding, id: serverId(finding.id, servers), summary: `${names}: ${finding.summary}` } : finding
}
