import 'server-only'
import { fail, type FetchLike, type Finding } from './findings'

// The HTTP plumbing the checks share: failures described by cause rather than by Node's generic
// "fetch failed", and GETs that notice when a redirect moves the bridge to another host.

const MAX_REDIRECTS = 5

interface ErrnoLike {
  code?: unknown
  errors?: Array<{ code?: unknown }>
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_)/

export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`
  }
  const cause = (error instanceof Error ? error.cause : undefined) as ErrnoLike | undefined
  // Several addresses (localhost: ::1 and 127.0.0.1) fail together as an AggregateError.
  const code = String(cause?.code ?? cause?.errors?.[0]?.code ?? '')
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)'
  if (code === 'ECONNRESET') return 'connection reset (ECONNRESET)'
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return `no connection within the timeout (${code})`
  if (TLS_CODES.test(code)) return `TLS certificate not accepted (${code})`
  return code ? `network error (${code})` : 'network error'
}

/** A redirect may upgrade http to https on the same host; anything else moves the bridge. */
export function isSameHost(from: URL, to: URL): boolean {
  if (from.hostname !== to.hostname) return false
  if (from.port === to.port) return true
  return from.protocol === 'http:' && to.protocol === 'https:'
}

/** Where a 3xx points to; undefined for anything else, a redirect without Location included. */
export function findRedirectTarget(response: Response, base: URL): URL | undefined {
  const location = response.headers.get('location')
  if (response.status < 300 || response.status >= 400 || !location) return undefined
  try {
    return new URL(location, base)
  } catch {
    return undefined
  }
}

type Fetched =
  | { kind: 'response'; response: Response; url: URL; redirects: number }
  | { kind: 'moved'; from: URL; to: URL }
  | { kind: 'error'; reason: string }

/** GET that follows redirects only while they stay on the starting host. */
export async function getOnSameHost(fetchImpl: FetchLike, start: URL, timeoutMs: number): Promise<Fetched> {
  let url = start
  for (let redirects = 0; ; redirects += 1) {
    let response: Response
    try {
      response = await fetchImpl(url.href, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
    } catch (error) {
      return { kind: 'error', reason: describeNetworkError(error, timeoutMs) }
    }
    const next = findRedirectTarget(response, url)
    if (!next || redirects >= MAX_REDIRECTS) return { kind: 'response', response, url, redirects }
    await response.body?.cancel()
    if (!isSameHost(start, next)) return { kind: 'moved', from: url, to: next }
    url = next
  }
}

/** GET without following redirects, the body discarded: the status and headers are what count. */
export async function getOnce(fetchImpl: FetchLike, url: URL, timeoutMs: number): Promise<Response | string> {
  try {
    const response = await fetchImpl(url.href, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
    await response.body?.cancel()
    return response
  } catch (error) {
    return describeNetworkError(error, timeoutMs)
  }
}

export function failMovedHost(id: string, path: string, moved: { from: URL; to: URL }): Finding {
  return fail(
    id,
    `GET ${path} redirects from ${moved.from.host} to another host (${moved.to.origin}): APP_URL is not the host that answers.`,
    `Set APP_URL to the host the bridge really answers at (and Scalekit's login endpoint to {APP_URL}/login), or remove that redirect at your proxy/CDN. MCP clients cache the login URL, so it must stay on one host.`,
  )
}
