import type { EventEmitter } from 'node:events'
import http from 'node:http'
import http2 from 'node:http2'
import { performance } from 'node:perf_hooks'

// The upstreams' own time for the identity-source scenario, recorded at their servers without changing their code: the
// node:http/http2 servers an upstream creates while it starts get a first 'request' listener timing each request.

export type Upstream = 'scalekit' | 'idp' | 'company-api'

/** A request an upstream handled: its route, and when it arrived and its response finished (performance.now()). */
export type UpstreamCall = { upstream: Upstream; route: string; arrivedAt: number; finishedAt: number }
/** An upstream call seen during one of the measured bridge requests, and which one. */
export type PhaseCall = UpstreamCall & { phase: string }

/** Calls up to now, one login at a time: cleared before each login, read after it. */
export const upstreamCalls: UpstreamCall[] = []

function routeName(upstream: Upstream, method: string, pathname: string): string {
  // gRPC methods are /package.Service/Method: the method is enough.
  if (upstream === 'scalekit' && method === 'POST' && /^\/[\w.]+\/\w+$/.test(pathname))
    return `gRPC ${pathname.slice(pathname.lastIndexOf('/') + 1)}`
  if (upstream === 'idp' && pathname.startsWith('/interaction/')) return `${method} /interaction/…`
  if (upstream === 'idp' && pathname.startsWith('/auth/')) return `${method} /auth/…`
  return `${method} ${pathname}`
}

function timeRequests(server: EventEmitter, upstream: Upstream): void {
  server.prependListener('request', (req: { method?: string; url?: string }, res: EventEmitter) => {
    const arrivedAt = performance.now()
    const route = routeName(upstream, req.method ?? 'GET', (req.url ?? '/').split('?')[0] ?? '/')
    let recorded = false
    const done = () => {
      if (!recorded) upstreamCalls.push({ upstream, route, arrivedAt, finishedAt: performance.now() })
      recorded = true
    }
    // A response whose client went away never finishes; it still took this long.
    res.once('finish', done).once('close', done)
  })
}

/** Starts an upstream (one at a time) while capturing the servers it creates, and times their requests. */
export async function startTimed<T>(upstream: Upstream, start: () => Promise<T>): Promise<T> {
  const created: EventEmitter[] = []
  const [httpCreate, http2Create] = [http.createServer, http2.createServer]
  const capture = (create: (...args: never[]) => EventEmitter) =>
    function (this: unknown, ...args: unknown[]) {
      const server = Reflect.apply(create, this, args) as EventEmitter
      created.push(server)
      return server
    }
  http.createServer = capture(httpCreate) as typeof http.createServer
  http2.createServer = capture(http2Create) as typeof http2.createServer
  try {
    const started = await start()
    if (created.length === 0) throw new Error(`${upstream}: no server was created through node:http or node:http2, so nothing can be timed`)
    for (const server of created) timeRequests(server, upstream)
    return started
  } finally {
    http.createServer = httpCreate
    http2.createServer = http2Create
  }
}

/** Union of the handling intervals of the calls that arrived inside the windows, clipped to them; the calls tagged with `phase`. */
export function upstreamTimeWithin(windows: Array<{ from: number; to: number }>, upstreams: readonly Upstream[], phase = '') {
  let busyMs = 0
  const calls: PhaseCall[] = []
  for (const window of windows) {
    const inside = upstreamCalls
      .filter((call) => upstreams.includes(call.upstream) && call.arrivedAt >= window.from && call.arrivedAt <= window.to)
      .sort((a, b) => a.arrivedAt - b.arrivedAt)
    calls.push(...inside.map((call) => ({ ...call, phase })))
    let coveredTo = window.from
    for (const call of inside) {
      const start = Math.max(call.arrivedAt, coveredTo)
      const end = Math.min(call.finishedAt, window.to)
      if (end > start) busyMs += end - start
      coveredTo = Math.max(coveredTo, end)
    }
  }
  return { busyMs, calls }
}
