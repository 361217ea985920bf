import 'server-only'
import { lookup as dnsLookup } from 'node:dns/promises'
import { checkAppUrl } from './app-url'
import { checkServerCredentials } from './credentials'
import { createGrpcDirectory, type DirectoryParams, type ScalekitDirectory } from './directory'
import { checkScalekitDirectory, describeLoginEndpoint } from './directory-checks'
import { checkConnectionIds, checkEnv } from './env-checks'
import { parseUrl, readEnvValue, redactFinding, secretValues, skip, type EnvSource, type FetchLike, type Finding } from './findings'
import { checkLoginHeaders } from './login-headers'
import { checkMail } from './mail'
import { checkReady } from './ready'
import { readDoctorServers, serverSecrets, type DoctorServers } from './servers'

// `npm run doctor`: checks a deployment from the outside, the way the troubleshooting guide does
// by hand. Every check is a function of the raw environment and injected I/O (fetch, DNS, the
// Scalekit directory), so tests run them against real local servers. Nothing here writes
// anywhere: no login request is started, no ledger row is recorded, nothing in Scalekit changes.
// With MCP_SERVERS, the Scalekit and login endpoint checks run for every server, their ids
// carrying its key (connection-id:finance); the single-connection configuration keeps plain ids.

const DEFAULT_TIMEOUT_MS = 5000

interface DoctorOptions {
  fetch?: FetchLike
  lookup?: (hostname: string) => Promise<unknown>
  /** Deadline of each request to APP_URL. Scalekit calls use SCALEKIT_TIMEOUT_MS. */
  timeoutMs?: number
  directory?: (params: DirectoryParams) => ScalekitDirectory
}

function readScalekitTimeout(source: EnvSource): number {
  const value = Number(readEnvValue(source, 'SCALEKIT_TIMEOUT_MS'))
  return Number.isInteger(value) && value >= 100 && value <= 60_000 ? value : DEFAULT_TIMEOUT_MS
}

/** Every secret the configuration holds, the client secrets inside MCP_SERVERS included, and any extra (tokens). */
export function doctorSecrets(source: EnvSource, extra: string[] = []): string[] {
  return secretValues(source, [...serverSecrets(readDoctorServers(source)), ...extra])
}

/** The configuration, then Scalekit for each server: credentials per environment, connection, login endpoint. */
async function checkConfiguration(
  source: EnvSource,
  servers: DoctorServers,
  options: DoctorOptions,
  fetchImpl: FetchLike,
): Promise<{ findings: Finding[]; tokens: string[] }> {
  const scalekitTimeoutMs = readScalekitTimeout(source)
  const findings: Finding[] = [...checkEnv(source, servers), ...checkConnectionIds(source, servers)]
  if (servers.multiServer && !servers.servers.length) {
    const setting = readEnvValue(source, 'MCP_SERVERS_FILE') ? 'MCP_SERVERS_FILE' : 'MCP_SERVERS'
    findings.push(
      skip(
        'servers',
        `Not checked: no MCP server could be read from ${setting} (see the env lines).`,
        `Correct ${setting}, then run the doctor again.`,
      ),
    )
  }
  const environments = await checkServerCredentials(servers.servers, fetchImpl, scalekitTimeoutMs)
  findings.push(...environments.map((environment) => environment.finding))
  const appOrigin = parseUrl(readEnvValue(source, 'APP_URL'))?.origin
  const createDirectory = options.directory ?? createGrpcDirectory
  const directory = await checkScalekitDirectory(servers.servers, environments, appOrigin, createDirectory, scalekitTimeoutMs)
  for (const [server, lines] of directory) {
    findings.push(...lines)
    if (servers.multiServer) findings.push(describeLoginEndpoint(server, appOrigin))
  }
  const tokens = environments.map((environment) => environment.accessToken).filter((token): token is string => Boolean(token))
  return { findings, tokens }
}

/** Every check, in the order a person fixes them: configuration, Scalekit, then the bridge's URL. */
export async function runDoctor(source: EnvSource, options: DoctorOptions = {}): Promise<Finding[]> {
  const fetchImpl = options.fetch ?? fetch
  const lookup = options.lookup ?? ((hostname: string) => dnsLookup(hostname))
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const servers = readDoctorServers(source)
  const { findings, tokens } = await checkConfiguration(source, servers, options, fetchImpl)
  const ownEndpoints = servers.multiServer ? servers.servers : []

  findings.push(await checkMail(source, timeoutMs))
  const app = await checkAppUrl(source, fetchImpl, lookup, timeoutMs)
  findings.push(...app.findings)
  if (app.reachableOrigin) {
    findings.push(...(await checkLoginHeaders(app.reachableOrigin, fetchImpl, timeoutMs, ownEndpoints)))
    findings.push(await checkReady(app.reachableOrigin, fetchImpl, timeoutMs))
  } else {
    const reason = 'Not checked: the bridge cannot be reached at APP_URL (see the app-url lines).'
    const fix = 'Fix the app-url lines first, then run the doctor again.'
    const suffixes = ['', ...ownEndpoints.map((server) => server.idSuffix)]
    findings.push(
      ...suffixes.flatMap((suffix) => [skip(`login.coop${suffix}`, reason, fix), skip(`login-slash.coop${suffix}`, reason, fix)]),
    )
    findings.push(skip('ready', reason, fix))
  }

  const secrets = secretValues(source, [...tokens, ...serverSecrets(servers)])
  return findings.map((finding) => redactFinding(finding, secrets))
}
