import 'server-only'
import net from 'node:net'
import { isLoopbackHost } from '../server/urls'
import { APP_URL_FIX } from './env-checks'
import { fail, parseUrl, pass, readEnvValue, skip, warn, type EnvSource, type FetchLike, type Finding } from './findings'
import { failMovedHost, getOnSameHost } from './network'

// 5. APP_URL: https, DNS, /api/health on one stable host.

interface AppUrlResult {
  findings: Finding[]
  /** The origin the HTTP checks that follow may use; undefined when the bridge cannot be reached. */
  reachableOrigin?: string
}

function checkScheme(app: URL): Finding {
  const id = 'app-url.https'
  if (app.protocol === 'https:') return pass(id, `APP_URL is https (${app.origin}).`)
  if (app.protocol === 'http:' && isLoopbackHost(app.hostname)) {
    return warn(
      id,
      `APP_URL is plain http on a loopback host (${app.origin}): reachable from this machine only.`,
      'For a deployment, serve the bridge over https and set APP_URL to that origin; Scalekit requires an https login endpoint.',
    )
  }
  return fail(
    id,
    `APP_URL is not https (${app.origin}).`,
    'Serve the bridge over https (terminate TLS at your proxy) and set APP_URL to the https origin.',
  )
}

async function checkDns(app: URL, lookup: (hostname: string) => Promise<unknown>): Promise<Finding> {
  const id = 'app-url.dns'
  const host = app.hostname.replace(/^\[|\]$/g, '')
  if (net.isIP(host)) return pass(id, `APP_URL's host is an IP address (${host}); nothing to resolve.`)
  try {
    await lookup(host)
    return pass(id, `${host} resolves.`)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return fail(
      id,
      `${host} does not resolve${typeof code === 'string' ? ` (${code})` : ''}.`,
      `Create the DNS record of ${host} (pointing at your proxy or load balancer), or correct APP_URL.`,
    )
  }
}

async function checkHealth(app: URL, fetchImpl: FetchLike, timeoutMs: number): Promise<{ finding: Finding; reachable: boolean }> {
  const id = 'app-url.health'
  const fetched = await getOnSameHost(fetchImpl, new URL('/api/health', app), timeoutMs)
  if (fetched.kind === 'error') {
    return {
      finding: fail(
        id,
        `${app.origin} is unreachable: ${fetched.reason}.`,
        'Check that the bridge runs (npm start) and that APP_URL reaches it: DNS, proxy routes, firewall, TLS certificate.',
      ),
      reachable: false,
    }
  }
  if (fetched.kind === 'moved') return { finding: failMovedHost(id, '/api/health', fetched), reachable: true }
  const { response, redirects } = fetched
  const body = await response.text().catch(() => '')
  let ok = false
  try {
    ok = (JSON.parse(body) as { status?: unknown }).status === 'ok'
  } catch {
    ok = false
  }
  const via = redirects ? ` after ${redirects} redirect${redirects === 1 ? '' : 's'} on the same host` : ''
  if (response.status === 200 && ok)
    return { finding: pass(id, `GET ${app.origin}/api/health answered 200 {"status":"ok"}${via}.`), reachable: true }
  return {
    finding: fail(
      id,
      `GET ${app.origin}/api/health answered HTTP ${response.status}${ok ? '' : ' without {"status":"ok"}'}${via}: the bridge does not answer at APP_URL.`,
      'Check that the bridge runs (npm start) and that your proxy routes APP_URL to it.',
    ),
    reachable: true,
  }
}

export async function checkAppUrl(
  source: EnvSource,
  fetchImpl: FetchLike,
  lookup: (hostname: string) => Promise<unknown>,
  timeoutMs: number,
): Promise<AppUrlResult> {
  const app = parseUrl(readEnvValue(source, 'APP_URL'))
  if (!app || (app.protocol !== 'http:' && app.protocol !== 'https:')) {
    return { findings: [skip('app-url', 'APP_URL is not set to an http(s) URL: nothing to reach.', APP_URL_FIX)] }
  }
  const findings = [checkScheme(app)]
  const dns = await checkDns(app, lookup)
  findings.push(dns)
  if (dns.status === 'fail') return { findings }
  const health = await checkHealth(app, fetchImpl, timeoutMs)
  findings.push(health.finding)
  return { findings, reachableOrigin: health.reachable ? app.origin : undefined }
}
