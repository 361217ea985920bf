// Sustained-load benchmark: `npm run bench:load` (tsx --conditions=react-server bench/load.ts).
//
// A real `next start` of the production build (local directory, fresh SQLite file) and the Scalekit
// stand-in in this process. LOAD_CONCURRENCY virtual browsers (default 50) loop whole logins for
// LOAD_SECONDS (default 60) per phase, with the bench user's correct password only:
// a new login request at the stand-in, GET /login, POST the sign-in form, and the 303 that must be
// exactly the stand-in's partner:callback for that state (harness.ts browserLogin).
//
//  1. Healthy Scalekit.
//  2. Scalekit answers HTTP 503 to LOAD_FAULT_PERCENT (10) % of UpdateLoginUserDetails calls. The
//     bridge retries at most twice, so a login either completes or, after three failed calls, ends
//     on a 303 to /login/problem/scalekit_unavailable whose page answers 503.
//
// Afterwards every login request the run created is checked in the bridge's ledger and at the
// stand-in: one row each, `completed` with Scalekit's authRequestId for a completed login,
// `pending` with error_code scalekit_unavailable (and three calls at the stand-in) for a retryable
// page, and no other rows.
//
// Loopback only: bridge on 5500, stand-in on 5510 (clear of the other suites). Secrets are
// generated per run and never printed. Exits non-zero on any error, a failed ledger check, or a
// token fetch count other than 1. Results: a table, a final JSON line, and the bench-load block
// of docs/benchmarks.md.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { childPids, cpuTimeMs, replaceMarkedBlock, round, schedStat, summarize, watchMemory, type Summary } from './support'
import {
  benchUser,
  boundedSetting,
  bridgeEnv,
  browserLogin,
  buildId,
  cleanupOnExit,
  createBenchUser,
  generateCredentials,
  machine,
  ms,
  removeDatabase,
  ROOT,
  roundSummary,
  standInStats,
  startBridgeServer,
  table,
  waitForHealth,
  type LoginAttempt,
  type Machine,
  type RunningServer,
  type StandInStats,
  runBenchmark,
  startBenchStandIn,
  loadAverage,
} from './harness'

const COMMAND = 'npm run bench:load'

const BRIDGE_PORT = 5500
const STAND_IN_PORT = 5510
const APP_URL = `http://localhost:${BRIDGE_PORT}`

const PHASE_SECONDS = boundedSetting('LOAD_SECONDS', 60, 1, 600)
const CONCURRENCY = boundedSetting('LOAD_CONCURRENCY', 50, 1, 500)
const WARMUP_LOGINS = boundedSetting('LOAD_WARMUP_LOGINS', 10, 0, 200)
const FAULT_PERCENT = boundedSetting('LOAD_FAULT_PERCENT', 10, 1, 100)
const REQUEST_TIMEOUT_MS = 15_000
const SERVER_START_TIMEOUT_MS = 60_000
// A broken server fails fast; past this many errors a phase stops instead of spinning for its length.
const MAX_ERRORS_PER_PHASE = 1000
const WRITE_DOC = process.env.BENCH_WRITE_DOC !== '0'
const KEEP_DB = process.env.BENCH_KEEP_DB === '1'

const DATABASE_FILE = path.join(ROOT, '.data', 'bench-load.db')
const DOC = path.join(ROOT, 'docs', 'benchmarks.md')
const TTL_SECONDS = 600
const MAX_RETRIES = 2
const RETRYABLE_PAGE = '/login/problem/scalekit_unavailable'
const TARGET_TOKEN_FETCHES = 1

const CREDENTIALS = generateCredentials()

// ---------------------------------------------------------------------------------------------
// One login flow, judged

type Outcome = 'completed' | 'retryable' | 'error'

interface Flow {
  phase: PhaseName | 'warmup'
  outcome: Outcome
  error?: string
  loginRequestId: string | null
  reachedBridge: boolean
  finishedAt: number
  getMs: number
  postMs: number
  totalMs: number
}

/** The 303 of a login whose Scalekit calls all failed: the retryable page for this same request. */
function isRetryablePage(location: string | null, attempt: LoginAttempt): boolean {
  if (!location || !attempt.request) return false
  const url = new URL(location, APP_URL)
  const params = [...url.searchParams.keys()].sort().join(',')
  return (
    url.origin === APP_URL &&
    url.pathname === RETRYABLE_PAGE &&
    params === 'login_request_id,state' &&
    url.searchParams.get('login_request_id') === attempt.request.loginRequestId &&
    url.searchParams.get('state') === attempt.request.state
  )
}

async function runFlow(phase: Flow['phase'], faultsOn: boolean, standInUrl: string, person = 0): Promise<Flow> {
  const attempt = await browserLogin({
    appUrl: APP_URL,
    standInUrl,
    connectionId: CREDENTIALS.connectionId,
    email: benchUser(person).email,
    password: CREDENTIALS.userPassword,
    timeoutMs: REQUEST_TIMEOUT_MS,
  })
  const flow = (outcome: Outcome, error?: string): Flow => ({
    phase,
    outcome,
    error,
    loginRequestId: attempt.request?.loginRequestId ?? null,
    reachedBridge: attempt.reachedBridge,
    finishedAt: performance.now(),
    getMs: attempt.getMs,
    postMs: attempt.postMs,
    totalMs: attempt.totalMs,
  })
  if (attempt.ok) return flow('completed')
  if (attempt.postStatus !== 303 || !isRetryablePage(attempt.location, attempt)) return flow('error', attempt.error)
  if (!faultsOn) return flow('error', `retryable page ${RETRYABLE_PAGE} with a healthy Scalekit`)
  try {
    const page = await fetch(new URL(attempt.location ?? '', APP_URL), {
      redirect: 'manual',
      headers: { cookie: attempt.jar.header() },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    await page.arrayBuffer()
    return page.status === 503 ? flow('retryable') : flow('error', `${RETRYABLE_PAGE} answered ${page.status}, not 503`)
  } catch (error) {
    return flow('error', `${RETRYABLE_PAGE}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
  }
}

// ---------------------------------------------------------------------------------------------
// A phase: CONCURRENCY virtual browsers for PHASE_SECONDS

type PhaseName = 'healthy' | 'faults'

interface PhaseResult {
  name: PhaseName
  title: string
  flows: Flow[]
  seconds: number
  /** Logins that completed inside the window; flows in flight at its end finish but only count below. */
  completedInWindow: number
  finishedAfterWindow: number
  stoppedEarly: string | null
  loginsPerSecond: number
  completed: number
  retryable: number
  errors: number
  errorKinds: Array<[string, number]>
  totalMs: Summary
  postMs: Summary
  getMs: Summary
  retryablePostMs: Summary
  peakRssMb: number
  serverProcesses: number
  serverCpuShare: number
  /** Share of the phase the bridge's main thread (its event loop) spent on a CPU, and runnable but waiting for one. */
  mainThread: { onCpu: number; waiting: number } | null
  benchCpuShare: number
  load: { start: number; end: number; peak: number }
  stats: StandInStats
}

async function setFault(standInUrl: string, body: object): Promise<void> {
  const response = await fetch(`${standInUrl}/_standin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  await response.arrayBuffer()
  if (!response.ok) throw new Error(`stand-in refused the fault setting: ${response.status}`)
}

function treeCpuMs(pid: number): number {
  return [pid, ...childPids(pid)].map((each) => cpuTimeMs(each)).filter(Number.isFinite).reduce((sum, value) => sum + value, 0)
}


function statsDelta(after: StandInStats, before: StandInStats): StandInStats {
  return {
    tokenFetches: after.tokenFetches - before.tokenFetches,
    userDetailsCalls: after.userDetailsCalls - before.userDetailsCalls,
    partnerCallbacks: after.partnerCallbacks - before.partnerCallbacks,
    grpcCalls: after.grpcCalls - before.grpcCalls,
    restCalls: after.restCalls - before.restCalls,
  }
}

async function runPhase(name: PhaseName, title: string, server: RunningServer, standInUrl: string): Promise<PhaseResult> {
  const faultsOn = name === 'faults'
  if (faultsOn) await setFault(standInUrl, { userDetails: 'http503', rate: FAULT_PERCENT / 100 })
  const statsBefore = await standInStats(standInUrl, REQUEST_TIMEOUT_MS)
  const load = { start: loadAverage(), end: NaN, peak: loadAverage() }
  const loadTimer = setInterval(() => (load.peak = Math.max(load.peak, loadAverage())), 1000)
  const memory = watchMemory(server.pid)
  const serverCpuBefore = treeCpuMs(server.pid)
  const schedBefore = schedStat(server.pid)
  const benchCpuBefore = process.cpuUsage()

  const flows: Flow[] = []
  let errors = 0
  let stoppedEarly: string | null = null
  const started = performance.now()
  const deadline = started + PHASE_SECONDS * 1000
  const virtualBrowser = async (person: number) => {
    while (performance.now() < deadline && stoppedEarly === null) {
      const flow = await runFlow(name, faultsOn, standInUrl, person)
      flows.push(flow)
      if (flow.outcome === 'error') errors += 1
      if (server.child.exitCode !== null || server.child.signalCode !== null) stoppedEarly = 'next start exited'
      else if (errors >= MAX_ERRORS_PER_PHASE) stoppedEarly = `${MAX_ERRORS_PER_PHASE} errors`
    }
  }
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, person) => virtualBrowser(person)))
  } finally {
    clearInterval(loadTimer)
    if (faultsOn) await setFault(standInUrl, { userDetails: 'none' }).catch(() => {})
  }
  const wallSeconds = (performance.now() - started) / 1000
  const serverCpuMs = treeCpuMs(server.pid) - serverCpuBefore
  const schedAfter = schedStat(server.pid)
  const benchCpu = process.cpuUsage(benchCpuBefore)
  const peak = memory.stop()
  load.end = loadAverage()
  load.peak = Math.max(load.peak, load.end)
  const stats = statsDelta(await standInStats(standInUrl, REQUEST_TIMEOUT_MS), statsBefore)

  const completed = flows.filter((flow) => flow.outcome === 'completed')
  const retryable = flows.filter((flow) => flow.outcome === 'retryable')
  const failed = flows.filter((flow) => flow.outcome === 'error')
  const completedInWindow = completed.filter((flow) => flow.finishedAt <= deadline).length
  const kinds = new Map<string, number>()
  for (const flow of failed) kinds.set(flow.error ?? 'unknown', (kinds.get(flow.error ?? 'unknown') ?? 0) + 1)
  const cores = os.cpus().length
  return {
    name,
    title,
    flows,
    seconds: PHASE_SECONDS,
    completedInWindow,
    finishedAfterWindow: flows.filter((flow) => flow.finishedAt > deadline).length,
    stoppedEarly,
    loginsPerSecond: completedInWindow / Math.min(PHASE_SECONDS, wallSeconds),
    completed: completed.length,
    retryable: retryable.length,
    errors: failed.length,
    errorKinds: [...kinds].sort((a, b) => b[1] - a[1]),
    totalMs: summarize(completed.map((flow) => flow.totalMs)),
    postMs: summarize(completed.map((flow) => flow.postMs)),
    getMs: summarize(completed.map((flow) => flow.getMs)),
    retryablePostMs: summarize(retryable.map((flow) => flow.postMs)),
    peakRssMb: peak.peakTreeRssKb / 1024,
    serverProcesses: 1 + peak.childProcesses,
    serverCpuShare: serverCpuMs / 1000 / wallSeconds / cores,
    mainThread:
      schedBefore && schedAfter
        ? { onCpu: (schedAfter.runMs - schedBefore.runMs) / 1000 / wallSeconds, waiting: (schedAfter.waitMs - schedBefore.waitMs) / 1000 / wallSeconds }
        : null,
    benchCpuShare: (benchCpu.user + benchCpu.system) / 1e6 / wallSeconds / cores,
    load,
    stats,
  }
}

// ---------------------------------------------------------------------------------------------
// The ledger and the stand-in, per login request

interface StandInView {
  status: string
  userDetailsCalls: number
  authRequestId: string | null
}

async function readStandInRequests(standInUrl: string, ids: string[]): Promise<Map<string, StandInView | null>> {
  const views = new Map<string, StandInView | null>()
  let next = 0
  const reader = async () => {
    while (next < ids.length) {
      const id = ids[next++]!
      const response = await fetch(`${standInUrl}/_standin/login-requests/${encodeURIComponent(id)}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      views.set(id, response.ok ? ((await response.json()) as StandInView) : (await response.arrayBuffer(), null))
    }
  }
  await Promise.all(Array.from({ length: 8 }, reader))
  return views
}

interface LedgerCheck {
  ok: boolean
  rows: number
  requestsCreated: number
  checked: number
  mismatches: number
  mismatchSamples: string[]
  unexpectedRows: number
  /** Rows of login requests whose flow was an error (already counted as errors), by status. */
  erroredRows: Record<string, number>
  /** Per phase: login requests by the number of UpdateLoginUserDetails calls the stand-in saw. */
  callsPerLogin: Record<string, Record<string, number>>
  /** Per phase: completed logins that needed a retry, and their completing POST. */
  retriedCompletions: Record<string, { count: number; postMs: Summary }>
}

async function checkLedger(flows: Flow[], standInUrl: string): Promise<LedgerCheck> {
  const created = flows.filter((flow): flow is Flow & { loginRequestId: string } => flow.loginRequestId !== null)
  const views = await readStandInRequests(
    standInUrl,
    created.map((flow) => flow.loginRequestId),
  )
  const { openDatabase } = await import('../lib/db')
  const handle = await openDatabase(`file:${DATABASE_FILE}`)
  let rows
  try {
    rows = await handle.db.selectFrom('login_requests').select(['id', 'status', 'error_code', 'auth_request_id']).execute()
  } finally {
    await handle.db.destroy()
  }
  const byId = new Map(rows.map((row) => [row.id, row]))
  const createdIds = new Set(created.map((flow) => flow.loginRequestId))
  const mismatchSamples: string[] = []
  let mismatches = 0
  const mismatch = (flow: Flow, what: string) => {
    mismatches += 1
    if (mismatchSamples.length < 10) mismatchSamples.push(`${flow.phase} ${flow.outcome}: ${what}`)
  }
  const erroredRows: Record<string, number> = {}
  const callsPerLogin: Record<string, Record<string, number>> = {}
  const retried: Record<string, number[]> = {}
  let checked = 0
  for (const flow of created) {
    const row = byId.get(flow.loginRequestId)
    const view = views.get(flow.loginRequestId) ?? null
    if (flow.outcome === 'error') {
      const key = row ? `${row.status}${row.error_code ? ` (${row.error_code})` : ''}` : flow.reachedBridge ? 'no row' : 'never reached the bridge'
      erroredRows[key] = (erroredRows[key] ?? 0) + 1
      continue
    }
    checked += 1
    const calls = view?.userDetailsCalls ?? -1
    const perPhase = (callsPerLogin[flow.phase] ??= {})
    perPhase[String(calls)] = (perPhase[String(calls)] ?? 0) + 1
    if (!view) mismatch(flow, 'the stand-in does not know the login request')
    if (!row) {
      mismatch(flow, 'no login_requests row')
      continue
    }
    if (flow.outcome === 'completed') {
      if (row.status !== 'completed') mismatch(flow, `row status ${row.status}${row.error_code ? ` (${row.error_code})` : ''}, not completed`)
      if (view && (view.status !== 'user_received' || !view.authRequestId)) mismatch(flow, `stand-in status ${view.status}, not user_received`)
      if (view && row.auth_request_id !== view.authRequestId) mismatch(flow, 'the row\'s auth_request_id is not the stand-in\'s authRequestId')
      if (view && (calls < 1 || calls > 1 + MAX_RETRIES)) mismatch(flow, `${calls} UpdateLoginUserDetails calls`)
      if (calls > 1) (retried[flow.phase] ??= []).push(flow.postMs)
    } else {
      if (row.status !== 'pending' || row.error_code !== 'scalekit_unavailable') {
        mismatch(flow, `row status ${row.status} (${row.error_code ?? 'no error_code'}), not pending (scalekit_unavailable)`)
      }
      if (view && view.status !== 'pending') mismatch(flow, `stand-in status ${view.status}, not pending`)
      if (view && calls !== 1 + MAX_RETRIES) mismatch(flow, `${calls} UpdateLoginUserDetails calls, not ${1 + MAX_RETRIES}`)
    }
  }
  const unexpectedRows = rows.filter((row) => !createdIds.has(row.id)).length
  return {
    ok: mismatches === 0 && unexpectedRows === 0,
    rows: rows.length,
    requestsCreated: created.length,
    checked,
    mismatches,
    mismatchSamples,
    unexpectedRows,
    erroredRows,
    callsPerLogin,
    retriedCompletions: Object.fromEntries(Object.entries(retried).map(([phase, posts]) => [phase, { count: posts.length, postMs: summarize(posts) }])),
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const pct = (share: number) => `${Math.round(share * 100)} %`
const triple = (s: Summary) => `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.p99)}`
const count = (value: number) => value.toLocaleString('en-US')

const mainThreadLine = (phase: PhaseResult) =>
  phase.mainThread ? `${pct(phase.mainThread.onCpu)} / ${pct(phase.mainThread.waiting)} of the time` : 'n/a'

function callsLine(calls: Record<string, number> | undefined): string {
  if (!calls) return 'n/a'
  return Object.entries(calls)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([n, logins]) => `${count(logins)} × ${n}`)
    .join(', ')
}

function phaseRows(phase: PhaseResult, ledger: LedgerCheck): Array<[string, string]> {
  const submitted = phase.completed + phase.retryable
  const retried = ledger.retriedCompletions[phase.name]
  return [
    ['completed logins/s', `${round(phase.loginsPerSecond, 1).toFixed(1)} (${count(phase.completedInWindow)} completed inside the ${phase.seconds} s window)`],
    ['login flows / finished after the window', `${count(phase.flows.length)} / ${count(phase.finishedAfterWindow)}${phase.stoppedEarly ? ` (stopped early: ${phase.stoppedEarly})` : ''}`],
    ['completed / retryable page / errors', `${count(phase.completed)} / ${count(phase.retryable)} / ${count(phase.errors)}`],
    ['whole flow p50 / p95 / p99 (completed)', `${triple(phase.totalMs)} (max ${ms(phase.totalMs.max)})`],
    ['completing POST p50 / p95 / p99', `${triple(phase.postMs)} (max ${ms(phase.postMs.max)})`],
    ['GET /login p50 / p95 / p99', triple(phase.getMs)],
    ...(retried ? [['completed after a retry: count, POST p50 / p95', `${count(retried.count)}, ${ms(retried.postMs.p50)} / ${ms(retried.postMs.p95)}`] as [string, string]] : []),
    ...(phase.retryable ? [['retryable page: POST p50 / max', `${ms(phase.retryablePostMs.p50)} / ${ms(phase.retryablePostMs.max)}`] as [string, string]] : []),
    ['UpdateLoginUserDetails calls / logins submitted', `${count(phase.stats.userDetailsCalls)} / ${count(submitted)} (${count(phase.stats.userDetailsCalls - submitted)} retries)`],
    ['logins by UpdateLoginUserDetails calls', callsLine(ledger.callsPerLogin[phase.name])],
    ['token fetches in this phase', String(phase.stats.tokenFetches)],
    ['bridge peak RSS (process tree)', `${round(phase.peakRssMb, 1)} MB (${phase.serverProcesses} process${phase.serverProcesses === 1 ? '' : 'es'})`],
    ['CPU: bridge / bench process (client + stand-in)', `${pct(phase.serverCpuShare)} / ${pct(phase.benchCpuShare)} of ${os.cpus().length} cores`],
    ['bridge main thread: on a CPU / waiting for one', mainThreadLine(phase)],
    ['1-min load average start / end / peak', `${phase.load.start} / ${phase.load.end} / ${phase.load.peak}`],
  ]
}

function markdownReport(date: string, host: Machine, phases: PhaseResult[], ledger: LedgerCheck, tokenFetches: number, loadAtStart: number, failed: boolean): string {
  const [healthy, faults] = phases as [PhaseResult, PhaseResult]
  const row = (label: string, value: (phase: PhaseResult) => string) => `| ${label} | ${value(healthy)} | ${value(faults)} |`
  const submitted = (phase: PhaseResult) => phase.completed + phase.retryable
  const errorLines = phases.flatMap((phase) => phase.errorKinds.map(([kind, n]) => `- ${phase.name}: ${count(n)} × \`${kind}\``))
  return [
    `Measured ${date} with \`${COMMAND}\` on ${host.cores} cores (${host.cpu}), ${host.memoryGb} GB RAM, Node ${host.node}, ${host.os}.`,
    '',
    `${CONCURRENCY} virtual browsers, ${PHASE_SECONDS} s per phase, after ${WARMUP_LOGINS} sequential warm-up login${WARMUP_LOGINS === 1 ? '' : 's'}. 1-minute load average at the start: ${loadAtStart} (${host.cores} cores; the benchmark's client and the stand-in share them with the bridge, and the machine may be shared).`,
    '',
    failed ? '**The run FAILED** (errors, a ledger mismatch or a token count other than 1; see below).' : 'No errors; the ledger check passed.',
    '',
    `| | healthy Scalekit | ${FAULT_PERCENT} % of UpdateLoginUserDetails answered HTTP 503 |`,
    '|---|---:|---:|',
    row('**completed logins/s**', (p) => `**${round(p.loginsPerSecond, 1).toFixed(1)}**`),
    row('login flows (finished after the window)', (p) => `${count(p.flows.length)} (${count(p.finishedAfterWindow)})`),
    row('completed', (p) => count(p.completed)),
    row(`retryable page (303 to \`${RETRYABLE_PAGE}\`, page 503)`, (p) => (p.name === 'faults' ? count(p.retryable) : 'n/a')),
    row('**errors** (target 0)', (p) => `**${count(p.errors)}**`),
    row('whole flow p50 / p95 / p99 (completed)', (p) => triple(p.totalMs)),
    row('completing POST p50 / p95 / p99', (p) => triple(p.postMs)),
    row('GET /login p50 / p95 / p99', (p) => triple(p.getMs)),
    row('completed after a retry: count, POST p50 / p95', (p) => {
      const retried = ledger.retriedCompletions[p.name]
      return retried ? `${count(retried.count)}, ${ms(retried.postMs.p50)} / ${ms(retried.postMs.p95)}` : '0'
    }),
    row('UpdateLoginUserDetails calls / logins submitted', (p) => `${count(p.stats.userDetailsCalls)} / ${count(submitted(p))}`),
    row('retries', (p) => count(p.stats.userDetailsCalls - submitted(p))),
    row('logins by number of calls', (p) => callsLine(ledger.callsPerLogin[p.name])),
    row('bridge peak RSS (process tree, 100 ms polling)', (p) => `${round(p.peakRssMb, 1)} MB`),
    row(`CPU, share of ${host.cores} cores: bridge / bench process (client + stand-in)`, (p) => `${pct(p.serverCpuShare)} / ${pct(p.benchCpuShare)}`),
    row('bridge main thread (event loop): on a CPU / runnable, waiting for one', mainThreadLine),
    row('1-minute load average start / end / peak', (p) => `${p.load.start} / ${p.load.end} / ${p.load.peak}`),
    '',
    `Client-credentials token fetches over the whole run (warm-up and both phases): **${tokenFetches}** (target exactly ${TARGET_TOKEN_FETCHES}: ${tokenFetches === TARGET_TOKEN_FETCHES ? 'met' : 'NOT MET'}).`,
    '',
    `Ledger check: **${ledger.ok ? 'passed' : 'FAILED'}**. ${count(ledger.requestsCreated)} login requests created, ${count(ledger.rows)} \`login_requests\` rows, ${count(ledger.checked)} completed or retryable checked against their row and the stand-in, ${count(ledger.mismatches)} mismatches, ${count(ledger.unexpectedRows)} rows the run did not create.`,
    ...(ledger.mismatchSamples.length ? ['', ...ledger.mismatchSamples.map((sample) => `- mismatch: ${sample}`)] : []),
    ...(errorLines.length ? ['', 'Errors:', '', ...errorLines] : []),
    ...(Object.keys(ledger.erroredRows).length
      ? ['', `Rows of the errored logins: ${Object.entries(ledger.erroredRows).map(([status, n]) => `${status} ${count(n)}`).join(', ')}.`]
      : []),
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  process.chdir(ROOT)
  const date = new Date().toISOString()
  const host = machine()
  const loadAtStart = loadAverage()
  fs.mkdirSync(path.dirname(DATABASE_FILE), { recursive: true })
  const { cleanups, cleanup } = cleanupOnExit()

  console.log(`bench:load  ${host.cores} cores, Node ${host.node}, ${date}, 1-min load average ${loadAtStart}`)
  try {
    const buildBefore = buildId()
    if (!buildBefore) throw new Error('no production build in .next (BUILD_ID missing): build first, or wait for a build in progress to finish')

    const standIn = await startBenchStandIn({ port: STAND_IN_PORT, bridgeLoginUrl: `${APP_URL}/login`, credentials: CREDENTIALS, resourceUrl: 'http://localhost:5599/mcp' })
    cleanups.push(() => standIn.close())

    await createBenchUser(DATABASE_FILE, CREDENTIALS.userPassword, CONCURRENCY)
    if (!KEEP_DB) cleanups.push(() => removeDatabase(DATABASE_FILE))
    const server = startBridgeServer(
      BRIDGE_PORT,
      bridgeEnv({ port: BRIDGE_PORT, databaseUrl: `file:${path.relative(ROOT, DATABASE_FILE)}`, standInUrl: standIn.url, credentials: CREDENTIALS, ttlSeconds: TTL_SECONDS }),
    )
    cleanups.push(() => server.stop())
    await waitForHealth(server, SERVER_START_TIMEOUT_MS)
    console.log(`bridge on ${APP_URL} (next start, pid ${server.pid}), stand-in on ${standIn.url} (in-process), SQLite ${path.relative(ROOT, DATABASE_FILE)}`)

    const flows: Flow[] = []
    for (let i = 0; i < WARMUP_LOGINS; i += 1) flows.push(await runFlow('warmup', false, standIn.url))
    const warmupErrors = flows.filter((flow) => flow.outcome === 'error')
    if (warmupErrors.length) console.error(`warm-up: ${warmupErrors.length} errors (${warmupErrors[0]?.error})`)

    const phases: PhaseResult[] = []
    for (const [name, title] of [
      ['healthy', 'healthy Scalekit'],
      ['faults', `Scalekit answers HTTP 503 to ${FAULT_PERCENT} % of UpdateLoginUserDetails`],
    ] as const) {
      console.log(`[${phases.length + 1}/2] ${title}: ${CONCURRENCY} virtual browsers for ${PHASE_SECONDS} s`)
      const phase = await runPhase(name, title, server, standIn.url)
      phases.push(phase)
      flows.push(...phase.flows)
      console.log(`      ${count(phase.completed)} completed, ${count(phase.retryable)} retryable, ${count(phase.errors)} errors, ${round(phase.loginsPerSecond, 1)} logins/s`)
    }
    const tokenFetches = (await standInStats(standIn.url, REQUEST_TIMEOUT_MS)).tokenFetches

    await server.stop()
    if (buildId() !== buildBefore) throw new Error('.next was rebuilt during the run, so the server changed underneath the measurement: rerun')
    const ledger = await checkLedger(flows, standIn.url)

    const errors = warmupErrors.length + phases.reduce((sum, phase) => sum + phase.errors, 0)
    const failed = errors > 0 || !ledger.ok || tokenFetches !== TARGET_TOKEN_FETCHES || phases.some((phase) => phase.completed === 0)
    if (errors > 0) console.error(`server output (tail):\n${server.outputTail()}`)

    for (const phase of phases) {
      console.log(`\nPhase ${phase.name}: ${phase.title}`)
      console.log(table(phaseRows(phase, ledger)))
      for (const [kind, n] of phase.errorKinds) console.log(`  error ×${n}: ${kind}`)
    }
    console.log('')
    console.log(
      table([
        ['warm-up logins / errors', `${WARMUP_LOGINS} / ${warmupErrors.length}`],
        ['token fetches, whole run', `${tokenFetches}  target ${TARGET_TOKEN_FETCHES}: ${tokenFetches === TARGET_TOKEN_FETCHES ? 'met' : 'NOT MET'}`],
        ['ledger check', `${ledger.ok ? 'passed' : 'FAILED'}: ${count(ledger.requestsCreated)} requests created, ${count(ledger.rows)} rows, ${count(ledger.checked)} checked, ${count(ledger.mismatches)} mismatches, ${count(ledger.unexpectedRows)} unexpected rows`],
        ...(Object.keys(ledger.erroredRows).length ? [['rows of errored logins', JSON.stringify(ledger.erroredRows)] as [string, string]] : []),
        ['1-min load average at the start', String(loadAtStart)],
      ]),
    )
    for (const sample of ledger.mismatchSamples) console.log(`  mismatch: ${sample}`)

    if (WRITE_DOC) {
      replaceMarkedBlock(DOC, 'bench-load', markdownReport(date, host, phases, ledger, tokenFetches, loadAtStart, failed), '# Benchmarks\n\n## Sustained load\n')
      console.log(`\nwrote the bench-load block of ${path.relative(ROOT, DOC)}`)
    }

    const phaseJson = (phase: PhaseResult) => ({
      name: phase.name,
      seconds: phase.seconds,
      flows: phase.flows.length,
      finishedAfterWindow: phase.finishedAfterWindow,
      stoppedEarly: phase.stoppedEarly,
      loginsPerSecond: round(phase.loginsPerSecond, 2),
      completed: phase.completed,
      retryable: phase.retryable,
      errors: phase.errors,
      errorKinds: Object.fromEntries(phase.errorKinds),
      totalMs: roundSummary(phase.totalMs),
      postMs: roundSummary(phase.postMs),
      getMs: roundSummary(phase.getMs),
      retryablePostMs: roundSummary(phase.retryablePostMs),
      userDetailsCalls: phase.stats.userDetailsCalls,
      retries: phase.stats.userDetailsCalls - phase.completed - phase.retryable,
      callsPerLogin: ledger.callsPerLogin[phase.name] ?? {},
      tokenFetches: phase.stats.tokenFetches,
      peakRssMb: round(phase.peakRssMb, 1),
      serverCpuShare: round(phase.serverCpuShare, 3),
      mainThread: phase.mainThread && { onCpu: round(phase.mainThread.onCpu, 3), waiting: round(phase.mainThread.waiting, 3) },
      benchCpuShare: round(phase.benchCpuShare, 3),
      load: phase.load,
    })
    console.log(
      JSON.stringify({
        bench: 'load',
        date,
        command: COMMAND,
        machine: host,
        ok: !failed,
        concurrency: CONCURRENCY,
        faultPercent: FAULT_PERCENT,
        warmup: { logins: WARMUP_LOGINS, errors: warmupErrors.length },
        loadAtStart,
        tokenFetches,
        phases: phases.map(phaseJson),
        ledger: {
          ok: ledger.ok,
          requestsCreated: ledger.requestsCreated,
          rows: ledger.rows,
          checked: ledger.checked,
          mismatches: ledger.mismatches,
          unexpectedRows: ledger.unexpectedRows,
          erroredRows: ledger.erroredRows,
        },
      }),
    )
    return failed ? 1 : 0
  } finally {
    await cleanup()
  }
}

runBenchmark('bench:load', main)
