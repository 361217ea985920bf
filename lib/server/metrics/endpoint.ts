import 'server-only'
import { createHash, timingSafeEqual } from 'node:crypto'
import { scrapeMetrics } from '.'

// /api/metrics for Prometheus, behind METRICS_TOKEN (security.md case 47). The route handler
// answers 404 while the token is unset, as for any unknown address; with it set, only a request
// carrying it as a bearer token gets the scrape.

/** Compared as SHA-256 digests, so neither the token's length nor its content leaks through timing. */
function bearerMatches(authorization: string | null, token: string): boolean {
  const presented = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1]
  if (presented === undefined) return false
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(presented), digest(token))
}

/** The scrape for a request holding `token`, else a 401 that says nothing more than the scheme. */
export async function metricsResponse(request: Request, token: string): Promise<Response> {
  if (!bearerMatches(request.headers.get('authorization'), token)) {
    return new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Bearer', 'Cache-Control': 'no-store' } })
  }
  const { body, contentType } = await scrapeMetrics()
  return new Response(body, { status: 200, headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' } })
}
