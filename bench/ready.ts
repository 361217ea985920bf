// Health-check benchmark: `npm run bench:ready` (tsx --conditions=react-server bench/ready.ts).
//
// What /api/health and /api/ready cost a bridge that a load balancer polls. A real `next start` of
// the production build and the Scalekit stand-in in this process, on a fresh SQLite file and then
// on a fresh PostgreSQL database (skipped, and said so, where no server answers):
//
//  1. GET /api/health, READY_REQUESTS (2,000) times back to back: liveness, touches nothing.
//  2. GET /api/ready, READY_REQUESTS times back to back: the database is asked at most once a
//     second and Scalekit at most once a minute, so this is mostly the cached answer.
//  3. GET /api/ready once every 1.1 s for READY_POLL_SECONDS (20): a poller slower than the
//     database cache, so every poll runs `select 1` afresh.
//
// Per phase: latency p50/p95/p99 as the client sees it and the bridge's CPU time per request
// (utime + stime of its process tree from /proc), so "cheap enough to poll" has a number. Across
// the run: the client-credentials tokens the stand-in issued (target: at most 1 per started
// minute of the run per database). Loopback only: bridge on 5530, stand-in on 5520. Exits
// non-zero when any answer is not 200 with the expected body. Results: a table, a final JSON
// line, and the bench-ready block of docs/benchmarks.md.

import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { childPids, cpuTimeMs, replaceMarkedBlock, round, summarize, type Summary } from './support'
import {
  boundedSetting,
  bridgeEnv,
  buildId,
  cleanupOnExit,
  generateCredentials,
  machine,
  ms,
  removeDatabase,
  ROOT,
  roundSummary,
  runBenchmark,
  standInStats,
  startBridgeServer,
  table,
  waitForHealth,
  type Machine,
  type RunningServer,
  startBenchStandIn,
  loadAverage,
} from './harness'

const COMMAND = 'npm run bench:ready'

const BRIDGE_PORT = 5530
const STAND_IN_PORT = 5520
const APP_URL = `http://localhost:${BRIDGE_PORT}`

const REQUESTS = boundedSetting('READY_REQUESTS', 2000, 10, 100_000)
const POLL_SECONDS = boundedSetting('READY_POLL_SECONDS', 20, 2, 600)
const POLL_INTERVAL_MS = 1100
const WARMUP_REQUESTS = 50
const REQUEST_TIMEOUT_MS = 10_000
const SERVER_START_TIMEOUT_MS = 60_000
const WRITE_DOC = process.env.BENCH_WRITE_DOC !== '0'
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/bridge_bench_ready'

const SQLITE_FILE = path.join(ROOT, '.data', 'bench-ready.db')
const DOC = path.join(ROOT, 'docs', 'benchmarks.md')
const CREDENTIALS = generateCredentials()

type Engine = 'SQLite' | 'PostgreSQL'

interface Phase {
  name: string
  latency: Summary
  cpuMsPerRequest: number
  failures: number
  firstFailure?: string
}

interface EngineResult {
  engine: Engine
  skipped?: string
  phases: Phase[]
  tokenFetches: number
  seconds: number
}

/** CPU time (ms) of the bridge and its children so far. */
function treeCpuMs(pid: number): number {
  // A process gone between two readings counts 0 (NaN from cpuTimeMs).
  return [pid, ...childPids(pid)].reduce((sum, each) => sum + (cpuTimeMs(each) || 0), 0)
}

function expectedBody(pathname: string): (body: unknown) => boolean {
  if (pathname === '/api/health') return (body) => (body as { status?: unknown })?.status === 'ok'
  return (body) => {
    const ready = body as { status?: unknown; checks?: { database?: { ok?: unknown }; scalekit?: { ok?: unknown } } }
    return ready?.status === 'ready' && ready.checks?.database?.ok === true && ready.checks?.scalekit?.ok === true
  }
}

async function timedGet(pathname: string, check: (body: unknown) => boolean): Promise<{ ms: number; failure?: string }> {
  const started = performance.now()
  try {
    const response = await fetch(`${APP_URL}${pathname}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const text = await response.text()
    const elapsed = performance.now() - started
    if (response.status !== 200) return { ms: elapsed, failure: `${pathname} answered ${response.status}` }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return { ms: elapsed, failure: `${pathname} answered 200 without JSON` }
    }
    return check(body) ? { ms: elapsed } : { ms: elapsed, failure: `${pathname} answered 200 with an unexpected body` }
  } catch (error) {
    return { ms: performance.now() - started, failure: `${pathname}: ${error instanceof Error ? error.name : String(error)}` }
  }
}

async function measure(server: RunningServer, name: string, pathname: string, count: number, intervalMs = 0): Promise<Phase> {
  const check = expectedBody(pathname)
  const samples: number[] = []
  let failures = 0
  let firstFailure: string | undefined
  const cpuBefore = treeCpuMs(server.pid)
  for (let i = 0; i < count; i += 1) {
    const next = performance.now() + intervalMs
    const result = await timedGet(pathname, check)
    samples.push(result.ms)
    if (result.failure) {
      failures += 1
      firstFailure ??= result.failure
    }
    const wait = next - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  }
  const cpuMs = treeCpuMs(server.pid) - cpuBefore
  return { name, latency: summarize(samples), cpuMsPerRequest: cpuMs / count, failures, firstFailure }
}

/** Recreates the PostgreSQL database; a reason to skip when no server answers. */
function resetPostgres(url: string): string | undefined {
  const reset = spawnSync(process.execPath, ['--import', 'tsx', 'e2e/tools/reset-postgres-db.ts', url], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
    encoding: 'utf8',
  })
  if (reset.status === 3) return `no PostgreSQL server answers at ${new URL(url).host} (set BENCH_POSTGRES_URL)`
  if (reset.status !== 0) throw new Error(`could not reset ${new URL(url).pathname.slice(1)}: ${reset.stderr.trim()}`)
  return undefined
}

async function runEngine(engine: Engine, standInUrl: string, cleanups: Array<() => Promise<void> | void>): Promise<EngineResult> {
  let databaseUrl: string
  if (engine === 'SQLite') {
    removeDatabase(SQLITE_FILE)
    cleanups.push(() => removeDatabase(SQLITE_FILE))
    databaseUrl = `file:${path.relative(ROOT, SQLITE_FILE)}`
  } else {
    const skipped = resetPostgres(POSTGRES_URL)
    if (skipped) return { engine, skipped, phases: [], tokenFetches: 0, seconds: 0 }
    databaseUrl = POSTGRES_URL
  }

  await standInStats(standInUrl, REQUEST_TIMEOUT_MS, true)
  const started = performance.now()
  const server = startBridgeServer(BRIDGE_PORT, bridgeEnv({ port: BRIDGE_PORT, databaseUrl, standInUrl, credentials: CREDENTIALS, ttlSeconds: 600 }))
  cleanups.push(() => server.stop())
  try {
    await waitForHealth(server, SERVER_START_TIMEOUT_MS)
    // Warm both routes (first compile of each handler, the first token, the pool).
    await measure(server, 'warm-up', '/api/health', WARMUP_REQUESTS)
    await measure(server, 'warm-up', '/api/ready', WARMUP_REQUESTS)
    const phases = [
      await measure(server, 'GET /api/health, back to back', '/api/health', REQUESTS),
      await measure(server, 'GET /api/ready, back to back', '/api/ready', REQUESTS),
      await measure(server, `GET /api/ready every ${POLL_INTERVAL_MS / 1000} s (database asked each time)`, '/api/ready', Math.ceil((POLL_SECONDS * 1000) / POLL_INTERVAL_MS), POLL_INTERVAL_MS),
    ]
    const tokenFetches = (await standInStats(standInUrl, REQUEST_TIMEOUT_MS)).tokenFetches
    return { engine, phases, tokenFetches, seconds: (performance.now() - started) / 1000 }
  } finally {
    await server.stop()
  }
}

function tokenTarget(result: EngineResult): number {
  return Math.ceil(result.seconds / 60)
}

function failedResult(result: EngineResult): boolean {
  return !result.skipped && (result.phases.some((phase) => phase.failures > 0) || result.tokenFetches > tokenTarget(result))
}

function markdownReport(date: string, host: Machine, results: EngineResult[], loadAtStart: number): string {
  const measured = results.filter((result) => !result.skipped)
  const lines = [
    `Measured ${date} with \`${COMMAND}\` on ${host.cores} cores (${host.cpu}), ${host.memoryGb} GB RAM, Node ${host.node}, ${host.os}. 1-minute load average at the start: ${loadAtStart}.`,
    '',
    `Sequential requests from one client over loopback with keep-alive; ${REQUESTS.toLocaleString('en-US')} per back-to-back phase, ${POLL_SECONDS} s of polling. Latency as the client sees it; CPU is the bridge's own (process tree, from /proc), divided by the requests of the phase.`,
    '',
    `| phase | ${measured.map((result) => `${result.engine}: p50 / p95 / p99`).join(' | ')} | ${measured.map((result) => `${result.engine}: bridge CPU per request`).join(' | ')} |`,
    `|---|${measured.map(() => '---:').join('|')}|${measured.map(() => '---:').join('|')}|`,
  ]
  const phaseNames = measured[0]?.phases.map((phase) => phase.name) ?? []
  phaseNames.forEach((name, index) => {
    const latencies = measured.map((result) => {
      const phase = result.phases[index]!
      return `${ms(phase.latency.p50)} / ${ms(phase.latency.p95)} / ${ms(phase.latency.p99)}${phase.failures ? ` (**${phase.failures} failed**)` : ''}`
    })
    const cpu = measured.map((result) => ms(result.phases[index]!.cpuMsPerRequest))
    lines.push(`| ${name} | ${latencies.join(' | ')} | ${cpu.join(' | ')} |`)
  })
  lines.push('')
  for (const result of results) {
    if (result.skipped) {
      lines.push(`- **${result.engine}: skipped**, ${result.skipped}.`)
      continue
    }
    const target = tokenTarget(result)
    lines.push(
      `- **${result.engine}:** ${result.phases.reduce((sum, phase) => sum + phase.latency.count, 0).toLocaleString('en-US')} requests in ${round(result.seconds, 1)} s; client-credentials tokens fetched: **${result.tokenFetches}** (target at most ${target}, one per started minute: ${result.tokenFetches <= target ? 'met' : 'NOT MET'}); failed answers: ${result.phases.reduce((sum, phase) => sum + phase.failures, 0)}.`,
    )
  }
  return lines.join('\n')
}

async function main(): Promise<number> {
  process.chdir(ROOT)
  const date = new Date().toISOString()
  const host = machine()
  const loadAtStart = loadAverage()
  const { cleanups, cleanup } = cleanupOnExit()
  console.log(`bench:ready  ${host.cores} cores, Node ${host.node}, ${date}, 1-min load average ${loadAtStart}`)
  try {
    const buildBefore = buildId()
    if (!buildBefore) throw new Error('no production build in .next (BUILD_ID missing): build first')

    const standIn = await startBenchStandIn({ port: STAND_IN_PORT, bridgeLoginUrl: `${APP_URL}/login`, credentials: CREDENTIALS, resourceUrl: 'http://localhost:5599/mcp' })
    cleanups.push(() => standIn.close())

    const results: EngineResult[] = []
    for (const engine of ['SQLite', 'PostgreSQL'] as const) {
      console.log(`[${engine}]`)
      const result = await runEngine(engine, standIn.url, cleanups)
      results.push(result)
      if (result.skipped) {
        console.log(`  SKIPPED: ${result.skipped}`)
        continue
      }
      console.log(
        table([
          ...result.phases.map((phase): [string, string] => [
            phase.name,
            `p50 ${ms(phase.latency.p50)}  p95 ${ms(phase.latency.p95)}  p99 ${ms(phase.latency.p99)}  CPU/request ${ms(phase.cpuMsPerRequest)}  failed ${phase.failures}${phase.firstFailure ? ` (${phase.firstFailure})` : ''}`,
          ]),
          ['token fetches', `${result.tokenFetches} over ${round(result.seconds, 1)} s (target at most ${tokenTarget(result)})`],
        ]),
      )
    }
    if (buildId() !== buildBefore) throw new Error('.next was rebuilt during the run, so the server changed underneath the measurement: rerun')

    const failed = results.some(failedResult)
    if (WRITE_DOC) {
      replaceMarkedBlock(DOC, 'bench-ready', markdownReport(date, host, results, loadAtStart), '# Benchmarks\n\n## Health and readiness polling\n')
      console.log(`\nwrote the bench-ready block of ${path.relative(ROOT, DOC)}`)
    }
    console.log(
      JSON.stringify({
        bench: 'ready',
        date,
        command: COMMAND,
        machine: host,
        ok: !failed,
        loadAtStart,
        results: results.map((result) => ({
          engine: result.engine,
          skipped: result.skipped ?? null,
          seconds: round(result.seconds, 1),
          tokenFetches: result.tokenFetches,
          phases: result.phases.map((phase) => ({ name: phase.name, latencyMs: roundSummary(phase.latency), cpuMsPerRequest: round(phase.cpuMsPerRequest, 3), failures: phase.failures })),
        })),
      }),
    )
    return failed ? 1 : 0
  } finally {
    await cleanup()
  }
}

runBenchmark('bench:ready', main)
