import 'server-only'
import { CONNECTION_ID_PAGE, CONNECTION_ID_PATTERN } from '../env'
import type { CredentialsResult } from './credentials'
import type { ConnectionFacts, DirectoryParams, Lookup, ResourceFacts, ScalekitDirectory } from './directory'
import { fail, parseUrl, pass, readEnvValue, skip, warn, type EnvSource, type Finding } from './findings'

// 4 and 7. What Scalekit's directory says about the connection and its login endpoint. Where the
// lookups cannot run or are not offered, the checks skip with the comparison to make by hand.

const LOGIN_ENDPOINT_PAGE = 'Dashboard > MCP Servers > your server > "Bring your own auth" login endpoint'

export function checkConnectionKnown(
  connectionId: string,
  environmentUrl: string,
  connection: Lookup<ConnectionFacts>,
  resource: Lookup<ResourceFacts>,
): Finding {
  const id = 'scalekit.connection'
  const disabledFix = 'Enable the connection in Dashboard > MCP Servers > your server ("Bring your own auth").'
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
      `Copy the Connection ID from ${CONNECTION_ID_PAGE} of this same environment; if it is right, SCALEKIT_ENVIRONMENT_URL and the API credentials belong to another environment.`,
    )
  }
  return skip(
    id,
    `Cannot ask Scalekit whether it knows ${connectionId}: ${connection.reason}.`,
    `Compare by hand: ${CONNECTION_ID_PAGE} must show ${connectionId}, in the environment ${environmentUrl}.`,
  )
}

export function checkLoginEndpoint(connectionId: string, appOrigin: string, resource: Lookup<ResourceFacts>): Finding {
  const id = 'scalekit.login-endpoint'
  const expected = `${appOrigin}/login`
  const byHand = `Compare by hand: ${LOGIN_ENDPOINT_PAGE} must be exactly ${expected}.`
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
  const setIt = `Set ${LOGIN_ENDPOINT_PAGE} to ${expected} (or, if the bridge really answers at ${loginEndpoint}, set APP_URL to that origin).`
  if (loginEndpoint.replace(/\/+$/, '') === expected) {
    return warn(id, `MCP server "${name}" sends people to ${loginEndpoint}: works through a redirect, one hop slower.`, setIt)
  }
  return fail(id, `MCP server "${name}" sends people to ${loginEndpoint}, not ${expected}.`, setIt)
}

/** Both lookups, once the client credentials and the connection id allow them. */
export async function checkScalekitDirectory(
  source: EnvSource,
  credentials: CredentialsResult,
  createDirectory: (params: DirectoryParams) => ScalekitDirectory,
  timeoutMs: number,
): Promise<Finding[]> {
  const connectionId = readEnvValue(source, 'SCALEKIT_CONNECTION_ID') ?? ''
  const app = parseUrl(readEnvValue(source, 'APP_URL'))
  const environment = parseUrl(readEnvValue(source, 'SCALEKIT_ENVIRONMENT_URL'))
  const manualConnection = `Compare by hand: ${CONNECTION_ID_PAGE} must show the value of SCALEKIT_CONNECTION_ID.`
  const manualEndpoint = `Compare by hand: ${LOGIN_ENDPOINT_PAGE} must be exactly ${app ? `${app.origin}/login` : '{APP_URL}/login'}.`
  const blocked = !credentials.accessToken
    ? 'needs client credentials Scalekit accepts (see scalekit.credentials)'
    : !CONNECTION_ID_PATTERN.test(connectionId)
      ? 'needs a conn_ SCALEKIT_CONNECTION_ID (see connection-id)'
      : undefined
  if (blocked || !environment) {
    const reason = blocked ?? 'needs SCALEKIT_ENVIRONMENT_URL'
    return [
      skip('scalekit.connection', `Not checked: ${reason}.`, manualConnection),
      skip('scalekit.login-endpoint', `Not checked: ${reason}.`, manualEndpoint),
    ]
  }
  const directory = createDirectory({
    environmentUrl: environment.origin,
    accessToken: credentials.accessToken!,
    timeoutMs,
  })
  try {
    const connection = await directory.findConnection(connectionId)
    const resource = await directory.findResourceOf(connectionId)
    const findings = [checkConnectionKnown(connectionId, environment.origin, connection, resource)]
    findings.push(
      app
        ? checkLoginEndpoint(connectionId, app.origin, resource)
        : skip('scalekit.login-endpoint', 'Not checked: needs APP_URL.', manualEndpoint),
    )
    return findings
  } finally {
    directory.close()
  }
}
