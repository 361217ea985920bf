import 'server-only'
import { CONNECTION_ID_PAGE, CONNECTION_ID_PATTERN } from '../env'
import type { EnvironmentCheck } from './credentials'
import type { ConnectionFacts, DirectoryParams, Lookup, ResourceFacts, ScalekitDirectory } from './directory'
import { APP_URL_FIX } from './env-checks'
import { fail, pass, skip, warn, type Finding } from './findings'
import { aboutServers, serverId, type DoctorServer } from './servers'

// 4 and 7. What Scalekit's directory says about each server's connection and login endpoint. Where
// the lookups cannot run or are not offered, the checks skip with the comparison to make by hand.

const LOGIN_ENDPOINT_PAGE = 'Dashboard > MCP Servers > your server > "Bring your own auth" login endpoint'

/** Which server a check is about: its login endpoint's path, its dashboard pages, where its environment is set. */
interface CheckTarget {
  path: string
  serverPage: string
  connectionIdPage: string
  loginEndpointPage: string
  environmentUrlLabel: string
}

/** The single-connection configuration: the login endpoint at /login. */
const LEGACY_TARGET: CheckTarget = {
  path: '/login',
  serverPage: 'Dashboard > MCP Servers > your server',
  connectionIdPage: CONNECTION_ID_PAGE,
  loginEndpointPage: LOGIN_ENDPOINT_PAGE,
  environmentUrlLabel: 'SCALEKIT_ENVIRONMENT_URL',
}

function targetOf(server: DoctorServer): CheckTarget {
  if (!server.idSuffix) return LEGACY_TARGET
  const name = (page: string) => page.replace('your server', () => server.name)
  return {
    path: server.path,
    serverPage: name(LEGACY_TARGET.serverPage),
    connectionIdPage: server.connectionIdPage,
    loginEndpointPage: name(LOGIN_ENDPOINT_PAGE),
    environmentUrlLabel: server.environment.labels.url,
  }
}

/** The URL to paste into Scalekit as this server's login endpoint (a line of its own with MCP_SERVERS). */
export function describeLoginEndpoint(server: DoctorServer, appOrigin: string | undefined): Finding {
  const id = `login-endpoint${server.idSuffix}`
  const page = targetOf(server).loginEndpointPage
  if (!appOrigin) {
    return skip(id, `The login endpoint of ${server.name} is {APP_URL}${server.path}, once APP_URL is set.`, APP_URL_FIX)
  }
  const which = CONNECTION_ID_PATTERN.test(server.connectionId ?? '')
    ? ` (the MCP server whose Connection ID is ${server.connectionId})`
    : ''
  return pass(id, `Paste ${appOrigin}${server.path} into ${page}${which}.`)
}

export function checkConnectionKnown(
  connectionId: string,
  environmentUrl: string,
  connection: Lookup<ConnectionFacts>,
  resource: Lookup<ResourceFacts>,
  target: CheckTarget = LEGACY_TARGET,
): Finding {
  const id = 'scalekit.connection'
  const disabledFix = `Enable the connection in ${target.serverPage} ("Bring your own auth").`
  if (resource.kind === 'found') {
    const { name, resourceId, connectionEnabled } = resource.value
    const summary = `Scalekit knows ${connectionId}: the own-auth connection of MCP server "${name}" (${resourceId})`
    return connectionEnabled ? pass(id, `${summary}.`) : warn(id, `${summary}, but it is disabled.`, disabledFix)
  }
  if (connection.kind === 'found') {
    const summary = `Scalekit knows ${connectionId} (GetEnvironmentConnection)`
    return connection.value.enabled ? pass(id, `${summary}.`) : warn(id, `${summary}, but it is disabled.`, disabledFix)
  }
  if (connection.kind === 'missing') {
    return fail(
      id,
      `Scalekit does not know ${connectionId} in the environment ${environmentUrl} (GetEnvironmentConnection: not found).`,
      `Copy the Connection ID from ${target.connectionIdPage} of this same environment; if it is right, ${target.environmentUrlLabel} and the API credentials belong to another environment.`,
    )
  }
  return skip(
    id,
    `Cannot ask Scalekit whether it knows ${connectionId}: ${connection.reason}.`,
    `Compare by hand: ${target.connectionIdPage} must show ${connectionId}, in the environment ${environmentUrl}.`,
  )
}

export function checkLoginEndpoint(
  connectionId: string,
  appOrigin: string,
  resource: Lookup<ResourceFacts>,
  target: CheckTarget = LEGACY_TARGET,
): Finding {
  const id = 'scalekit.login-endpoint'
  const expected = `${appOrigin}${target.path}`
  const byHand = `Compare by hand: ${target.loginEndpointPage} must be exactly ${expected}.`
  if (resource.kind === 'unavailable') return skip(id, `Cannot read the login endpoint from Scalekit: ${resource.reason}.`, byHand)
  if (resource.kind === 'missing') {
    return skip(
      id,
      `No MCP server Scalekit lists names ${connectionId} as its own-auth connection, so its login endpoint cannot be read.`,
      byHand,
    )
  }
  const { name, loginEndpoint, settingKeys } = resource.value
  if (!loginEndpoint) {
    const keys = settingKeys.length ? settingKeys.join(', ') : 'none'
    return skip(id, `MCP server "${name}" shows no login endpoint in its connection settings (keys: ${keys}).`, byHand)
  }
  if (loginEndpoint === expected) return pass(id, `MCP server "${name}" sends people to ${expected}.`)
  const setIt = `Set ${target.loginEndpointPage} to ${expected} (or, if the bridge really answers at ${loginEndpoint}, set APP_URL to that origin).`
  if (loginEndpoint.replace(/\/+$/, '') === expected) {
    return warn(id, `MCP server "${name}" sends people to ${loginEndpoint}: works through a redirect, one hop slower.`, setIt)
  }
  return fail(id, `MCP server "${name}" sends people to ${loginEndpoint}, not ${expected}.`, setIt)
}

/** Why the lookups cannot run for this server, or undefined when they can. */
function findBlocker(server: DoctorServer, check: EnvironmentCheck): string | undefined {
  if (!check.accessToken) return `needs client credentials Scalekit accepts (see ${serverId('scalekit.credentials', check.servers)})`
  if (!CONNECTION_ID_PATTERN.test(server.connectionId ?? '')) {
    return `needs a conn_ ${server.connectionIdLabel} (see connection-id${server.idSuffix})`
  }
  if (!check.environmentUrl) return `needs ${server.environment.labels.url}`
  return undefined
}

async function checkServerInDirectory(
  server: DoctorServer,
  directory: ScalekitDirectory,
  environmentUrl: string,
  appOrigin: string | undefined,
): Promise<Finding[]> {
  const target = targetOf(server)
  const connectionId = server.connectionId!
  const connection = await directory.findConnection(connectionId)
  const resource = await directory.findResourceOf(connectionId)
  const manualEndpoint = `Compare by hand: ${target.loginEndpointPage} must be exactly {APP_URL}${server.path}.`
  return [
    checkConnectionKnown(connectionId, environmentUrl, connection, resource, target),
    appOrigin
      ? checkLoginEndpoint(connectionId, appOrigin, resource, target)
      : skip('scalekit.login-endpoint', 'Not checked: needs APP_URL.', manualEndpoint),
  ]
}

/** Both lookups for each server, once its environment's credentials and its connection id allow them. */
async function checkEnvironmentDirectory(
  check: EnvironmentCheck,
  appOrigin: string | undefined,
  createDirectory: (params: DirectoryParams) => ScalekitDirectory,
  timeoutMs: number,
): Promise<Map<DoctorServer, Finding[]>> {
  const results = new Map<DoctorServer, Finding[]>()
  let directory: ScalekitDirectory | undefined
  try {
    for (const server of check.servers) {
      const blocker = findBlocker(server, check)
      if (blocker) {
        const target = targetOf(server)
        const manualEndpoint = `Compare by hand: ${target.loginEndpointPage} must be exactly ${appOrigin ?? '{APP_URL}'}${server.path}.`
        results.set(server, [
          skip(
            'scalekit.connection',
            `Not checked: ${blocker}.`,
            `Compare by hand: ${target.connectionIdPage} must show the value of ${server.connectionIdLabel}.`,
          ),
          skip('scalekit.login-endpoint', `Not checked: ${blocker}.`, manualEndpoint),
        ])
        continue
      }
      directory ??= createDirectory({ environmentUrl: check.environmentUrl!, accessToken: check.accessToken!, timeoutMs })
      results.set(server, await checkServerInDirectory(server, directory, check.environmentUrl!, appOrigin))
    }
    return results
  } finally {
    directory?.close()
  }
}

/** The connection and login endpoint lines of every server, in the servers' order. */
export async function checkScalekitDirectory(
  servers: DoctorServer[],
  environments: EnvironmentCheck[],
  appOrigin: string | undefined,
  createDirectory: (params: DirectoryParams) => ScalekitDirectory,
  timeoutMs: number,
): Promise<Map<DoctorServer, Finding[]>> {
  const results = new Map<DoctorServer, Finding[]>()
  for (const check of environments) {
    for (const [server, findings] of await checkEnvironmentDirectory(check, appOrigin, createDirectory, timeoutMs)) {
      results.set(
        server,
        findings.map((finding) => aboutServers(finding, [server])),
      )
    }
  }
  return new Map(servers.map((server) => [server, results.get(server) ?? []]))
}
