import { performance } from 'node:perf_hooks'
import * as h from '../harness'

// What /api/health and /api/ready cost a bridge that load balancers poll (`npm run bench:ready`; docs/benchmarks.md), on
// SQLite then PostgreSQL. Fails on any answer but 200 with the expected body, or on more than one token per started minute.

const BRIDGE_PORT = 5530
const STAND_IN_PORT = 5520
const APP_URL = `http://localhost:${BRIDGE_PORT}`

const REQUESTS = h.setting('READY_REQUESTS', 2000, 10, 100_000)
const POLL_SECONDS = h.setting('READY_POLL_SECONDS', 20, 2, 600)
const POLL_INTERVAL_MS = 1100
const WARMUP_REQUESTS = 50
const READY_TIMEOUT_MS = 10_000
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/bridge_bench_ready'
const CREDENTIALS = h.generateCredentials()

function expected(pathname: string, body: unknown): boolean {
  if (pathname === '/api/health') return (body as { status?: unknown })?.status === 'ok'
  const ready = body as { status?: unknown; checks?: { database?: { ok?: unknown }; scalekit?: { ok?: unknown } } }
  return ready?.status === 'ready' && ready.checks?.database?.ok === true && ready.checks?.scalekit?.ok === true
}

async function timedGet(pathname: string): Promise<{ ms: number; failure?: string }> {
  const started = performance.now()
  try {
    const response = await fetch(`${APP_URL}${pathname}`, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) })
    const text = await response.text()
    const ms = performance.now() - started
    if (response.status !== 200) return { ms, failure: `${pathname} answered ${response.status}` }
    const body: unknown = h.orElse(() => JSON.parse(text), undefined)
    if (body === undefined) return { ms, failure: `${pathname} answered 200 without JSON` }
    return expected(pathname, body) ? { ms } : { ms, failure: `${pathname} answered 200 with an unexpected body` }
  } catch (error) {
    return { ms: performance.now() - started, failure: `${pathname}: ${error instanceof Error ? error.name : String(error)}` }
  }
}

async function measure(server: h.Bridge, name: string, pathname: string, count: number, intervalMs = 0) {
  const samples: number[] = []
  const failures: string[] = []
  const cpuBefore = h.treeCpuMs(server.pid)
  for (let i = 0; i < count; i += 1) {
    const next = performance.now() + intervalMs
    const result = await timedGet(pathname)
    samples.push(result.ms)
    if (result.failure) failures.push(result.failure)
    const wait = next - performance.now()
    if (wait > 0) await h.sleep(wait)
  }
  const cpuMsPerRequest = (h.treeCpuMs(server.pid) - cpuBefore) / count
  return { name, latencyMs: h.summarize(samples), cpuMsPerRequest, failures: failures.length, firstFailure: failures[0] ?? null }
}

async function runEngine(bench: h.Bench, engine: 'SQLite' | 'PostgreSQL', standInUrl: string) {
  const database = await h.engineDatabase(bench, engine, { sqliteName: 'bench-ready.db', postgresUrl: POSTGRES_URL })
  if ('skipped' in database) return { engine, skipped: database.skipped }
  const databaseUrl = database.url
  await h.standInStats(standInUrl, true)
  const started = performance.now()
  const server = await h.startBridge(bench, BRIDGE_PORT, h.bridgeEnv(BRIDGE_PORT, databaseUrl, standInUrl, CREDENTIALS))
  try {
    // Warm both routes (first compile of each handler, the first token, the pool).
    await measure(server, 'warm-up', '/api/health', WARMUP_REQUESTS)
    await measure(server, 'warm-up', '/api/ready', WARMUP_REQUESTS)
    const polls = Math.ceil((POLL_SECONDS * 1000) / POLL_INTERVAL_MS)
    const polled = `GET /api/ready every ${POLL_INTERVAL_MS / 1000} s (database asked each time)`
    const phases = [
      await measure(server, 'GET /api/health, back to back', '/api/health', REQUESTS),
      await measure(server, 'GET /api/ready, back to back', '/api/ready', REQUESTS),
      await measure(server, polled, '/api/ready', polls, POLL_INTERVAL_MS),
    ]
    const tokenFetches = (await h.standInStats(standInUrl)).tokenFetches
    const seconds = (performance.now() - started) / 1000
    const tokenTarget = Math.ceil(seconds / 60)
    const ok = phases.every((phase) => phase.failures === 0) && tokenFetches <= tokenTarget
    const summary = phases.map((p) => `${p.name}: p50 ${p.latencyMs.p50.toFixed(2)} ms, CPU ${p.cpuMsPerRequest.toFixed(2)} ms`)
    bench.log(`  ${engine}: ${summary.join('; ')}`)
    return { engine, skipped: null, ok, seconds, tokenFetches, tokenTarget, phases }
  } finally {
    await server.stop()
  }
}

export default async function ready(bench: h.Bench) {
  const loadAtStart = h.loadAverage()
  const build = h.requireBuild()
  const scalekit = await h.startStandIn(bench, STAND_IN_PORT, APP_URL, CREDENTIALS)
  const results = []
  for (const engine of ['SQLite', 'PostgreSQL'] as const) {
    const result = await runEngine(bench, engine, scalekit.url)
    if (result.skipped) bench.log(`  SKIPPED: ${engine}: ${result.skipped}`)
    results.push(result)
  }
  build.unchanged()
  return { ok: results.every((result) => result.skipped || result.ok), loadAtStart, results }
}
