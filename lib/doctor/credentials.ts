import 'server-only'
import { isHttpsOrLoopback } from '../server/urls'
import { CREDENTIALS_PAGE, fail, parseUrl, pass, skip, type EnvSource, type FetchLike, type Finding } from './findings'
import { describeNetworkError } from './network'
import { aboutServers, legacyServer, type DoctorEnvironment, type DoctorServer } from './servers'

// 3. The client credentials, with the same client_credentials grant the SDK uses.

const ID = 'scalekit.credentials'

export interface CredentialsResult {
  finding: Finding
  /** Kept in memory for the read-only Scalekit lookups; never part of a finding. */
  accessToken?: string
}

interface CredentialSettings {
  environment: URL
  clientId: string
  clientSecret: string
  labels: DoctorEnvironment['labels']
}

/** The client secret may only travel over https, or over http to this very machine. */
function mayCarrySecret(url: URL): boolean {
  return isHttpsOrLoopback(url)
}

/** The settings the grant needs, or the skip that says why it cannot be tried. */
function readCredentialSettings(configured: DoctorEnvironment): CredentialSettings | Finding {
  const { labels, clientId, clientSecret } = configured
  const environment = parseUrl(configured.url)
  if (!environment || !clientId || !clientSecret) {
    return skip(
      ID,
      `Not checked: needs ${labels.url} (a URL), ${labels.clientId} and ${labels.clientSecret}.`,
      `Set them from ${CREDENTIALS_PAGE}.`,
    )
  }
  if (!mayCarrySecret(environment)) {
    return skip(
      ID,
      `Not checked: ${labels.url} is plain http (${environment.origin}), which would send the client secret unencrypted.`,
      `Use the https Environment URL from ${CREDENTIALS_PAGE}.`,
    )
  }
  return { environment, clientId, clientSecret, labels }
}

function requestToken(fetchImpl: FetchLike, tokenUrl: string, settings: CredentialSettings, timeoutMs: number): Promise<Response> {
  const { clientId, clientSecret } = settings
  return fetchImpl(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  })
}

async function readOAuthErrorCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: unknown }
    // Only a well-formed OAuth error code is echoed, never free text from the answer.
    return typeof body.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? body.error : undefined
  } catch {
    return undefined
  }
}

/** What the token endpoint's answer says about the credentials and the environment URL. */
async function judgeTokenAnswer(response: Response, tokenUrl: string, settings: CredentialSettings): Promise<CredentialsResult> {
  const { environment, labels } = settings
  const credentialsFix = `Copy ${labels.clientId} and ${labels.clientSecret} again from ${CREDENTIALS_PAGE} of the environment ${environment.origin} (another environment's credentials are refused too).`
  const environmentFix = `Copy ${labels.url} again from ${CREDENTIALS_PAGE}.`
  const status = response.status
  if (status === 200) {
    const token = await response
      .json()
      .then((body: { access_token?: unknown }) => (typeof body.access_token === 'string' ? body.access_token : undefined))
      .catch(() => undefined)
    if (token) {
      return {
        finding: pass(ID, `Scalekit accepted the client credentials (client_credentials grant at ${tokenUrl}).`),
        accessToken: token,
      }
    }
    return { finding: fail(ID, `${tokenUrl} answered 200 without an access token: not a Scalekit environment?`, environmentFix) }
  }
  if (status === 400 || status === 401 || status === 403) {
    const code = await readOAuthErrorCode(response)
    return { finding: fail(ID, `Scalekit refused the client credentials (HTTP ${status}${code ? ` ${code}` : ''}).`, credentialsFix) }
  }
  await response.body?.cancel()
  if (status >= 500) {
    return {
      finding: fail(
        ID,
        `Scalekit answered HTTP ${status} at ${tokenUrl}: an outage at Scalekit or at a proxy in between.`,
        'Try again in a few minutes; if it persists, check outbound proxies and contact Scalekit support with the time of this run.',
      ),
    }
  }
  return {
    finding: fail(ID, `${tokenUrl} answered HTTP ${status}: ${labels.url} does not look like a Scalekit environment.`, environmentFix),
  }
}

/** The grant with one environment's credentials, as configured. */
async function checkEnvironmentCredentials(
  configured: DoctorEnvironment,
  fetchImpl: FetchLike,
  timeoutMs: number,
): Promise<CredentialsResult> {
  const settings = readCredentialSettings(configured)
  if (!('environment' in settings)) return { finding: settings }
  const { environment } = settings
  const tokenUrl = `${environment.origin}/oauth/token`
  let response: Response
  try {
    response = await requestToken(fetchImpl, tokenUrl, settings, timeoutMs)
  } catch (error) {
    return {
      finding: fail(
        ID,
        `Scalekit at ${environment.origin} is unreachable: ${describeNetworkError(error, timeoutMs)}.`,
        `Check ${settings.labels.url} against ${CREDENTIALS_PAGE}, and that this machine can resolve and reach it (DNS, firewall, outbound proxy).`,
      ),
    }
  }
  return judgeTokenAnswer(response, tokenUrl, settings)
}

/** The top-level SCALEKIT_* credentials, those of the single-connection configuration. */
export function checkCredentials(source: EnvSource, fetchImpl: FetchLike, timeoutMs: number): Promise<CredentialsResult> {
  return checkEnvironmentCredentials(legacyServer(source).environment, fetchImpl, timeoutMs)
}

/** The servers that share one Scalekit environment (its URL and client id), and what its credentials gave. */
export interface EnvironmentCheck extends CredentialsResult {
  servers: DoctorServer[]
  environmentUrl?: string
}

function environmentKey(environment: DoctorEnvironment): string {
  const url = parseUrl(environment.url)?.origin ?? environment.url ?? ''
  return `${url} ${environment.clientId ?? ''}`
}

/** One grant per distinct environment, its finding naming the servers that use it. */
export async function checkServerCredentials(
  servers: DoctorServer[],
  fetchImpl: FetchLike,
  timeoutMs: number,
): Promise<EnvironmentCheck[]> {
  const groups = new Map<string, DoctorServer[]>()
  for (const server of servers) {
    const key = environmentKey(server.environment)
    groups.set(key, [...(groups.get(key) ?? []), server])
  }
  return Promise.all(
    [...groups.values()].map(async (group) => {
      const result = await checkEnvironmentCredentials(group[0]!.environment, fetchImpl, timeoutMs)
      return {
        ...result,
        finding: aboutServers(result.finding, group),
        servers: group,
        environmentUrl: parseUrl(group[0]!.environment.url)?.origin,
      }
    }),
  )
}
