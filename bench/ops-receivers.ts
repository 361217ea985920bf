import http from 'node:http'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Webhook } from 'standardwebhooks'
import type { Bench } from './harness'
import { readBody } from '../e2e/stand-in/http-helpers'

// `LOAD_OPS=on npm run bench:load`: the bridge runs with everything operations turn on — the metrics
// route scraped every few seconds, traces exported over OTLP/HTTP (JSON) and the audit stream
// delivered as Standard Webhooks — to receivers in this process that count what arrives.

const OTLP_PORT = 5540
const WEBHOOK_PORT = 5541
const SCRAPE_EVERY_MS = 5000

export interface OpsStats {
  spans: number
  /** Exported spans by name (a query or path token in a name is already redacted by the bridge). */
  spanNames: Record<string, number>
  spanBatches: number
  events: number
  duplicateEvents: number
  badSignatures: number
  /** When the last event arrived, on performance.now()'s clock. */
  lastEventAt: number
  scrapes: number
  scrapeFailures: number
  scrapeMs: number[]
}

function listen(bench: Bench, port: number, handle: (request: http.IncomingMessage, body: string) => number): Promise<void> {
  const server = http.createServer((request, response) => {
    readBody(request, 64 * 1024 * 1024).then(
      (body) => response.writeHead(handle(request, body), { 'content-type': 'application/json' }).end('{}'),
      () => response.writeHead(400).end(),
    )
  })
  bench.defer(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
}

function spanNames(body: string): string[] {
  const parsed = JSON.parse(body) as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ name?: string }> }> }> }
  return (parsed.resourceSpans ?? [])
    .flatMap((r) => r.scopeSpans ?? [])
    .flatMap((scope) => (scope.spans ?? []).map((span) => span.name ?? ''))
}

export const OPS_PARTS = ['metrics', 'traces', 'audit'] as const
export type OpsPart = (typeof OPS_PARTS)[number]

/** Starts both receivers and sets the variables of the parts turned on, which the bridge (started after this) inherits. */
export async function startOpsReceivers(bench: Bench, only: readonly OpsPart[] = OPS_PARTS) {
  const secret = `whsec_${randomBytes(32).toString('base64')}`
  const metricsToken = randomBytes(24).toString('base64url')
  const verifier = new Webhook(secret)
  const seen = new Set<string>()
  const stats: OpsStats = {
    spans: 0,
    spanNames: {},
    spanBatches: 0,
    events: 0,
    duplicateEvents: 0,
    badSignatures: 0,
    lastEventAt: 0,
    scrapes: 0,
    scrapeFailures: 0,
    scrapeMs: [],
  }
  await listen(bench, OTLP_PORT, (_request, body) => {
    stats.spanBatches += 1
    for (const name of spanNames(body)) {
      stats.spans += 1
      stats.spanNames[name] = (stats.spanNames[name] ?? 0) + 1
    }
    return 200
  })
  await listen(bench, WEBHOOK_PORT, (request, body) => {
    try {
      verifier.verify(body, request.headers as Record<string, string>)
    } catch {
      stats.badSignatures += 1
      return 400
    }
    const id = String(request.headers['webhook-id'])
    if (seen.has(id)) stats.duplicateEvents += 1
    else seen.add(id)
    stats.events += 1
    stats.lastEventAt = performance.now()
    return 204
  })
  const parts = new Set(only)
  Object.assign(process.env, {
    ...(parts.has('metrics') && { METRICS_TOKEN: metricsToken }),
    ...(parts.has('traces') && { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${OTLP_PORT}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    ...(parts.has('audit') && { AUDIT_WEBHOOK_URL: `http://127.0.0.1:${WEBHOOK_PORT}/audit`, AUDIT_WEBHOOK_SECRET: secret }),
  })
  return {
    stats,
    uniqueEvents: () => seen.size,
    /** Scrapes /api/metrics every few seconds, as Prometheus would, until the returned stop is called. */
    scrape(appUrl: string): () => void {
      if (!parts.has('metrics')) return () => {}
      const timer = setInterval(() => {
        const started = performance.now()
        fetch(`${appUrl}/api/metrics`, { headers: { authorization: `Bearer ${metricsToken}` }, signal: AbortSignal.timeout(5000) })
          .then(async (response) => {
            await response.text()
            if (!response.ok) throw new Error(String(response.status))
            stats.scrapes += 1
            stats.scrapeMs.push(performance.now() - started)
          })
          .catch(() => (stats.scrapeFailures += 1))
      }, SCRAPE_EVERY_MS)
      return () => clearInterval(timer)
    },
  }
}
