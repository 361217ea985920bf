import 'server-only'
import { lookup as dnsLookup } from 'node:dns/promises'
import { checkAppUrl } from './app-url'
import { checkCredentials } from './credentials'
import { createGrpcDirectory, type DirectoryParams, type ScalekitDirectory } from './directory'
import { checkScalekitDirectory } from './directory-checks'
import { checkConnectionId, checkEnv } from './env-checks'
import { readEnvValue, redactFinding, secretValues, skip, type EnvSource, type FetchLike, type Finding } from './findings'
import { checkLoginHeaders } from './login-headers'
import { checkReady } from './ready'

// `npm run doctor`: checks a deployment from the outside, the way the troubleshooting guide does
// by hand. Every check is a function of the raw environment and injected I/O (fetch, DNS, the
// Scalekit directory), so tests run them against real local servers. Nothing here writes
// anywhere: no login request is started, no ledger row is recorded, nothing in Scalekit changes.

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

/** Every check, in the order a person fixes them: configuration, Scalekit, then the bridge's URL. */
export async function runDoctor(source: EnvSource, options: DoctorOptions = {}): Promise<Finding[]> {
  const fetchImpl = options.fetch ?? fetch
  const lookup = options.lookup ?? ((hostname: string) => dnsLookup(hostname))
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const scalekitTimeoutMs = readScalekitTimeout(source)
  const findings: Finding[] = [...checkEnv(source), checkConnectionId(source)]

  const credentials = await checkCredentials(source, fetchImpl, scalekitTimeoutMs)
  findings.push(credentials.finding)
  findings.push(...(await checkScalekitDirectory(source, credentials, options.directory ?? createGrpcDirectory, scalekitTimeoutMs)))

  const app = await checkAppUrl(source, fetchImpl, lookup, timeoutMs)
  findings.push(...app.findings)
  if (app.reachableOrigin) {
    findings.push(...(await checkLoginHeaders(app.reachableOrigin, fetchImpl, timeoutMs)))
    findings.push(await checkReady(app.reachableOrigin, fetchImpl, timeoutMs))
  } else {
    const reason = 'Not checked: the bridge cannot be reached at APP_URL (see the app-url lines).'
    const fix = 'Fix the app-url lines first, then run the doctor again.'
    findings.push(skip('login.coop', reason, fix), skip('login-slash.coop', reason, fix), skip('ready', reason, fix))
  }

  const secrets = secretValues(source, credentials.accessToken ? [credentials.accessToken] : [])
  return findings.map((finding) => redactFinding(finding, secrets))
}
