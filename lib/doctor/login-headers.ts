import 'server-only'
import { fail, pass, warn, type FetchLike, type Finding } from './findings'
import { failMovedHost, findRedirectTarget, getOnce, isSameHost } from './network'
import { aboutServers, type DoctorServer } from './servers'

// 6. The login endpoint's headers, as a browser receives them through everything in front.

const COOP_FIX =
  'Something in front of the bridge (proxy, CDN, platform security headers) overrides Cross-Origin-Opener-Policy on /login: remove it there or set it to unsafe-none for /login and /api/auth. Popup-based MCP clients otherwise report "window closed too soon".'

function splitHeaderTokens(value: string | null): string[] {
  // Several headers of one name arrive joined by ", "; directives are separated by ";".
  return (value ?? '')
    .split(/[,;]/)
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean)
}

function checkCoop(id: string, path: string, response: Response): Finding {
  const header = response.headers.get('cross-origin-opener-policy')
  const value = header?.split(';')[0]?.trim().toLowerCase()
  const what = `GET ${path} (HTTP ${response.status})`
  if (value === 'unsafe-none') return pass(id, `${what} sends Cross-Origin-Opener-Policy: unsafe-none.`)
  if (!header) {
    // Browsers treat a missing header as unsafe-none, so popups still work; but the bridge always
    // sends one, so its absence means a layer in front rewrites the login responses.
    return warn(id, `${what} sends no Cross-Origin-Opener-Policy (browsers default to unsafe-none), though the bridge sets one.`, COOP_FIX)
  }
  return fail(id, `${what} sends Cross-Origin-Opener-Policy: ${header}: popup MCP clients lose their window.`, COOP_FIX)
}

function checkReferrerPolicy(path: string, response: Response): Finding {
  const id = 'login.referrer-policy'
  const header = response.headers.get('referrer-policy')
  // With several policies, browsers apply the last one they understand.
  const last = splitHeaderTokens(header).at(-1)
  if (last === 'no-referrer') return pass(id, `GET ${path} sends Referrer-Policy: no-referrer.`)
  return warn(
    id,
    `GET ${path} sends Referrer-Policy: ${header ?? '(none)'}, not no-referrer.`,
    "A proxy/CDN in front overrides the bridge's Referrer-Policy: let it through, so login request ids and states never leave in a Referer header.",
  )
}

function checkFrameAncestors(path: string, response: Response): Finding {
  const id = 'login.frame-ancestors'
  const policy = response.headers.get('content-security-policy')
  const directives = splitHeaderTokens(policy).map((directive) => directive.replace(/\s+/g, ' '))
  if (directives.includes("frame-ancestors 'none'")) return pass(id, `GET ${path}'s Content-Security-Policy has frame-ancestors 'none'.`)
  return warn(
    id,
    `GET ${path}'s Content-Security-Policy has no frame-ancestors 'none' (${policy ? 'replaced or changed' : 'no policy at all'}).`,
    "A proxy/CDN in front replaces the bridge's Content-Security-Policy: let it through, so no other site can frame the sign-in page (clickjacking).",
  )
}

function unreachable(id: string, path: string, reason: string): Finding {
  return fail(id, `GET ${path} failed: ${reason}.`, 'Check that the bridge runs and that your proxy routes /login to it.')
}

/** A login endpoint's path, then the same with a trailing slash (the redirect, which must carry COOP too). */
async function checkLoginPath(appOrigin: string, path: string, fetchImpl: FetchLike, timeoutMs: number): Promise<Finding[]> {
  const findings: Finding[] = []
  const login = await getOnce(fetchImpl, new URL(path, appOrigin), timeoutMs)
  if (typeof login === 'string') {
    findings.push(unreachable('login.coop', path, login))
  } else {
    findings.push(checkCoop('login.coop', path, login), checkReferrerPolicy(path, login), checkFrameAncestors(path, login))
  }

  const slash = await getOnce(fetchImpl, new URL(`${path}/`, appOrigin), timeoutMs)
  if (typeof slash === 'string') {
    findings.push(unreachable('login-slash.coop', `${path}/`, slash))
    return findings
  }
  const target = findRedirectTarget(slash, new URL(appOrigin))
  if (target && !isSameHost(new URL(appOrigin), target)) {
    findings.push(failMovedHost('login-slash.coop', `${path}/`, { from: new URL(appOrigin), to: target }))
  } else {
    findings.push(checkCoop('login-slash.coop', `${path}/`, slash))
  }
  return findings
}

/**
 * GET /login without parameters: the bridge answers 400 (a problem page) and records nothing,
 * since only a request carrying login_request_id and state reaches the ledger. The same for each
 * server's own login endpoint, /login/{key}, when MCP_SERVERS lists servers.
 */
export async function checkLoginHeaders(
  appOrigin: string,
  fetchImpl: FetchLike,
  timeoutMs: number,
  servers: DoctorServer[] = [],
): Promise<Finding[]> {
  const findings = await checkLoginPath(appOrigin, '/login', fetchImpl, timeoutMs)
  for (const server of servers.filter((candidate) => candidate.path !== '/login')) {
    const own = await checkLoginPath(appOrigin, server.path, fetchImpl, timeoutMs)
    findings.push(...own.map((finding) => aboutServers(finding, [server])))
  }
  return findings
}
