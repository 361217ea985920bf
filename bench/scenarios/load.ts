import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { benchUserLogin, type LoginAttempt } from '../browser'
import * as h from '../harness'
import { OPS_PARTS, startOpsReceivers, type OpsPart } from '../ops-receivers'

// Sustained load (`npm run bench:load`; docs/benchmarks.md): virtual browsers loop whole logins with a healthy Scalekit, then
// with Scalekit failing some UpdateLoginUserDetails (a login completes after retries or ends on the retryable page); then every
// login request is checked in the ledger and at the stand-in. Fails on any error, a ledger mismatch, or token fetches other than 1.

const BRIDGE_PORT = 5500
const STAND_IN_PORT = 5510
const APP_URL = `http://localhost:${BRIDGE_PORT}`

const PHASE_SECONDS = h.setting('LOAD_SECONDS', 60, 1, 600)
const CONCURRENCY = h.setting('LOAD_CONCURRENCY', 50, 1, 500)
const WARMUP_LOGINS = h.setting('LOAD_WARMUP_LOGINS', 10, 0, 200)
const FAULT_PERCENT = h.setting('LOAD_FAULT_PERCENT', 10, 1, 100)
/**
 * `LOAD_OPS=on`: metrics scraped, traces exported and the audit stream delivered, to receivers in this process; or a
 * comma-separated choice of them (`LOAD_OPS=traces`, `LOAD_OPS=metrics,audit`).
 */
const OPS_SETTING = process.env.LOAD_OPS ?? ''
const OPS: OpsPart[] | null =
  OPS_SETTING === '' ? null : OPS_SETTING === 'on' ? [...OPS_PARTS] : OPS_PARTS.filter((part) => OPS_SETTING.split(',').includes(part))
/** How long the audit stream may take, after the last phase, to deliver the rest of its backlog. */
const OPS_DRAIN_MS = 120_000
// A broken server fails fast; past this many errors a phase stops instead of spinning for its length.
const MAX_ERRORS_PER_PHASE = 1000
const MAX_RETRIES = 2
const RETRYABLE_PAGE = '/login/problem/scalekit_unavailable'

const CREDENTIALS = h.generateCredentials()

type PhaseName = 'healthy' | 'faults'
type Flow = Awaited<ReturnType<typeof runFlow>>
const tally = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1)

/** The 303 of a login whose Scalekit calls all failed: the retryable page for this same request, with nothing else in its query. */
function isRetryablePage({ postStatus, location, request }: LoginAttempt): boolean {
  if (postStatus !== 303 || !location || !request) return false
  const url = new URL(location, APP_URL)
  const query = [...url.searchParams.keys()].sort().join(',')
  const sameRequest = url.searchParams.get('login_request_id') === request.loginRequestId && url.searchParams.get('state') === request.state
  return url.origin === APP_URL && url.pathname === RETRYABLE_PAGE && query === 'login_request_id,state' && sameRequest
}

/** One whole login, judged: completed, the retryable page (faults phase only), or an error. */
async function runFlow(phase: PhaseName | 'warmup', faultsOn: boolean, standInUrl: string, person = 0) {
  const attempt = await benchUserLogin(APP_URL, standInUrl, CREDENTIALS, person)
  const { reachedBridge, getMs, postMs, totalMs } = attempt
  const loginRequestId = attempt.request?.loginRequestId ?? null
  const flow = (outcome: 'completed' | 'retryable' | 'error', error?: string) => {
    return { phase, outcome, error, loginRequestId, reachedBridge, finishedAt: performance.now(), getMs, postMs, totalMs }
  }
  if (attempt.ok) return flow('completed')
  if (!isRetryablePage(attempt)) return flow('error', attempt.error)
  if (!faultsOn) return flow('error', `retryable page ${RETRYABLE_PAGE} with a healthy Scalekit`)
  try {
    const { status } = (await attempt.bridge.send(new URL(attempt.location ?? '', APP_URL).toString())).response
    return status === 503 ? flow('retryable') : flow('error', `${RETRYABLE_PAGE} answered ${status}, not 503`)
  } catch (error) {
    return flow('error', `${RETRYABLE_PAGE}: ${h.errorText(error)}`)
  }
}

/** CONCURRENCY virtual browsers for PHASE_SECONDS; their flows are added to `all`. */
async function runPhase(name: PhaseName, server: h.Bridge, standInUrl: string, all: Flow[]) {
  const faultsOn = name === 'faults'
  if (faultsOn) await h.standIn(standInUrl, 'POST', 'faults', { userDetails: 'http503', rate: FAULT_PERCENT / 100 })
  const statsBefore = await h.standInStats(standInUrl)
  const load = { start: h.loadAverage(), end: NaN, peak: h.loadAverage() }
  const loadTimer = setInterval(() => (load.peak = Math.max(load.peak, h.loadAverage())), 1000)
  const memory = h.watchMemory(server.pid)
  const serverCpuBefore = h.treeCpuMs(server.pid)
  const schedBefore = h.schedStat(server.pid)
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
      if (server.exited()) stoppedEarly = 'next start exited'
      else if (errors >= MAX_ERRORS_PER_PHASE) stoppedEarly = `${MAX_ERRORS_PER_PHASE} errors`
    }
  }
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, person) => virtualBrowser(person)))
  } finally {
    clearInterval(loadTimer)
    if (faultsOn) await h.standIn(standInUrl, 'POST', 'faults', { userDetails: 'none' }).catch(() => {})
  }
  const wallSeconds = (performance.now() - started) / 1000
  const serverCpuMs = h.treeCpuMs(server.pid) - serverCpuBefore
  const schedAfter = h.schedStat(server.pid)
  const benchCpu = process.cpuUsage(benchCpuBefore)
  const peak = memory.stop()
  load.end = h.loadAverage()
  load.peak = Math.max(load.peak, load.end)
  const statsAfter = await h.standInStats(standInUrl)
  const userDetailsCalls = statsAfter.userDetailsCalls - statsBefore.userDetailsCalls

  const of = (outcome: Flow['outcome']) => flows.filter((flow) => flow.outcome === outcome)
  const [completed, retryable, failed] = [of('completed'), of('retryable'), of('error')]
  const completedInWindow = completed.filter((flow) => flow.finishedAt <= deadline).length
  const kinds: Record<string, number> = {}
  for (const flow of failed) tally(kinds, flow.error ?? 'unknown')
  const cores = os.cpus().length
  const share = (ms: number) => ms / 1000 / wallSeconds
  all.push(...flows)
  return {
    name,
    seconds: PHASE_SECONDS,
    flows: flows.length,
    /** Flows in flight at the end of the window finish and are judged, but only logins completed inside it count in the rate. */
    completedInWindow,
    finishedAfterWindow: flows.filter((flow) => flow.finishedAt > deadline).length,
    stoppedEarly,
    loginsPerSecond: completedInWindow / Math.min(PHASE_SECONDS, wallSeconds),
    completed: completed.length,
    retryable: retryable.length,
    errors: failed.length,
    errorKinds: Object.fromEntries(Object.entries(kinds).sort((a, b) => b[1] - a[1])),
    totalMs: h.summarize(completed.map((flow) => flow.totalMs)),
    postMs: h.summarize(completed.map((flow) => flow.postMs)),
    getMs: h.summarize(completed.map((flow) => flow.getMs)),
    retryablePostMs: h.summarize(retryable.map((flow) => flow.postMs)),
    userDetailsCalls,
    retries: userDetailsCalls - completed.length - retryable.length,
    tokenFetches: statsAfter.tokenFetches - statsBefore.tokenFetches,
    peakRssMb: peak.peakTreeRssMb,
    serverProcesses: 1 + peak.childProcesses,
    serverCpuShare: share(serverCpuMs) / cores,
    /** The bridge's CPU (all its threads, argon2's included) per login that completed or ended on the retryable page. */
    serverCpuMsPerLogin: serverCpuMs / Math.max(1, completed.length + retryable.length),
    /** Its main thread's (the event loop's) CPU per such login: the part that bounds the login rate. */
    mainThreadMsPerLogin:
      schedBefore && schedAfter ? (schedAfter.runMs - schedBefore.runMs) / Math.max(1, completed.length + retryable.length) : null,
    /** Share of the phase the bridge's main thread (its event loop) spent on a CPU, and runnable but waiting for one. */
    mainThread:
      schedBefore && schedAfter
        ? { onCpu: share(schedAfter.runMs - schedBefore.runMs), waiting: share(schedAfter.waitMs - schedBefore.waitMs) }
        : null,
    /** This process: the virtual browsers and the stand-in. */
    benchCpuShare: (benchCpu.user + benchCpu.system) / 1e6 / wallSeconds / cores,
    load,
  }
}

/** Each login request the run created, in the bridge's ledger (server stopped) and at the stand-in. */
async function checkLedger(flows: Flow[], standInUrl: string, databaseFile: string) {
  const created = flows.filter((flow): flow is Flow & { loginRequestId: string } => flow.loginRequestId !== null)
  type View = { status: string; userDetailsCalls: number; authRequestId: string | null } | null
  const views = new Map<string, View>()
  let next = 0
  const reader = async () => {
    while (next < created.length) {
      const id = created[next++]!.loginRequestId
      views.set(id, await h.loginRequestRecord<View>(standInUrl, id).catch(() => null))
    }
  }
  await Promise.all(Array.from({ length: 8 }, reader))
  const { openDatabase } = await import('../../lib/db')
  const handle = await openDatabase(`file:${databaseFile}`)
  const rows = await handle.db
    .selectFrom('login_requests')
    .select(['id', 'status', 'error_code', 'auth_request_id'])
    .execute()
    .finally(() => handle.db.destroy())
  const byId = new Map(rows.map((row) => [row.id, row]))
  const mismatches: string[] = []
  const mismatch = (flow: Flow, what: string) => mismatches.push(`${flow.phase} ${flow.outcome}: ${what}`)
  const erroredRows: Record<string, number> = {}
  const callsPerLogin: Record<string, Record<string, number>> = {}
  const retried: Record<string, number[]> = {}
  let checked = 0
  for (const flow of created) {
    const row = byId.get(flow.loginRequestId)
    const view = views.get(flow.loginRequestId) ?? null
    const rowStatus = row && `${row.status}${row.error_code ? ` (${row.error_code})` : ''}`
    if (flow.outcome === 'error') {
      tally(erroredRows, rowStatus ?? (flow.reachedBridge ? 'no row' : 'never reached the bridge'))
      continue
    }
    checked += 1
    const calls = view?.userDetailsCalls ?? -1
    tally((callsPerLogin[flow.phase] ??= {}), String(calls))
    if (!view) mismatch(flow, 'the stand-in does not know the login request')
    if (!row) mismatch(flow, 'no login_requests row')
    else if (flow.outcome === 'completed') {
      if (row.status !== 'completed') mismatch(flow, `row status ${rowStatus}, not completed`)
      if (view && (view.status !== 'user_received' || !view.authRequestId))
        mismatch(flow, `stand-in status ${view.status}, not user_received`)
      if (view && row.auth_request_id !== view.authRequestId)
        mismatch(flow, "the row's auth_request_id is not the stand-in's authRequestId")
      if (view && (calls < 1 || calls > 1 + MAX_RETRIES)) mismatch(flow, `${calls} UpdateLoginUserDetails calls`)
      if (calls > 1) (retried[flow.phase] ??= []).push(flow.postMs)
    } else {
      if (row.status !== 'pending' || row.error_code !== 'scalekit_unavailable')
        mismatch(flow, `row status ${row.status} (${row.error_code ?? 'no error_code'}), not pending (scalekit_unavailable)`)
      if (view && view.status !== 'pending') mismatch(flow, `stand-in status ${view.status}, not pending`)
      if (view && calls !== 1 + MAX_RETRIES) mismatch(flow, `${calls} UpdateLoginUserDetails calls, not ${1 + MAX_RETRIES}`)
    }
  }
  const unexpectedRows = rows.filter((row) => !views.has(row.id)).length // views has a key for each created request
  return {
    ok: mismatches.length === 0 && unexpectedRows === 0,
    requestsCreated: created.length,
    rows: rows.length,
    unexpectedRows,
    /** Completed or retryable logins checked against their row and the stand-in. */
    checked,
    mismatches: mismatches.length,
    mismatchSamples: mismatches.slice(0, 10),
    /** Rows of login requests whose flow was an error (already counted as errors), by status. */
    erroredRows,
    /** Per phase: login requests by the number of UpdateLoginUserDetails calls the stand-in saw. */
    callsPerLogin,
    /** Per phase: completed logins that needed a retry, and their completing POST. */
    retriedCompletions: Object.fromEntries(
      Object.entries(retried).map(([phase, posts]) => [phase, { count: posts.length, postMs: h.summarize(posts) }]),
    ),
  }
}

/**
 * After the load: waits until the receiver holds one event per outbox row (or OPS_DRAIN_MS passes) and reports how long the
 * backlog took to clear, and how many events arrived, twice, or never.
 */
async function drainAuditStream(bench: h.Bench, ops: NonNullable<Awaited<ReturnType<typeof startOpsReceivers>>>, databaseFile: string) {
  const { openDatabase } = await import('../../lib/db')
  const handle = await openDatabase(`file:${databaseFile}`)
  const loadEndedAt = performance.now()
  try {
    const written = async () =>
      Number(
        (
          await handle.db
            .selectFrom('login_events')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    let expected = await written()
    bench.log(`audit stream: ${ops.uniqueEvents()} of ${expected} events delivered at the end of the load; waiting for the rest`)
    while (ops.uniqueEvents() < expected && performance.now() - loadEndedAt < OPS_DRAIN_MS) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      expected = await written()
    }
    return {
      expected,
      delivered: ops.uniqueEvents(),
      missing: expected - ops.uniqueEvents(),
      duplicates: ops.stats.duplicateEvents,
      badSignatures: ops.stats.badSignatures,
      /** From the end of the load to the last event's arrival: the backlog the load left behind. */
      drainMs: Math.max(0, ops.stats.lastEventAt - loadEndedAt),
    }
  } finally {
    await handle.db.destroy()
  }
}

export default async function load(bench: h.Bench) {
  const loadAtStart = h.loadAverage()
  const build = h.requireBuild()
  const ports = { bridge: BRIDGE_PORT, standIn: STAND_IN_PORT }
  const ops = OPS ? await startOpsReceivers(bench, OPS) : null
  const { scalekit, databaseFile, server } = await h.startLoginBench(bench, ports, 'bench-load', CONCURRENCY, CREDENTIALS)
  const stopScraping = ops?.scrape(APP_URL)
  bench.log(`bridge on ${APP_URL} (next start, pid ${server.pid}), stand-in on ${scalekit.url} (in-process), SQLite ${databaseFile}`)

  const flows: Flow[] = []
  for (let i = 0; i < WARMUP_LOGINS; i += 1) flows.push(await runFlow('warmup', false, scalekit.url))
  const warmupErrors = flows.filter((flow) => flow.outcome === 'error')
  if (warmupErrors.length) bench.log(`warm-up: ${warmupErrors.length} errors (${warmupErrors[0]?.error})`)

  const phases = []
  for (const name of ['healthy', 'faults'] as const) {
    const upstream = name === 'healthy' ? 'healthy Scalekit' : `Scalekit answers HTTP 503 to ${FAULT_PERCENT} % of UpdateLoginUserDetails`
    bench.log(`[${phases.length + 1}/2] ${upstream}: ${CONCURRENCY} virtual browsers for ${PHASE_SECONDS} s`)
    const phase = await runPhase(name, server, scalekit.url, flows)
    phases.push(phase)
    const { completed, retryable, errors, loginsPerSecond } = phase
    bench.log(`      ${completed} completed, ${retryable} retryable, ${errors} errors, ${loginsPerSecond.toFixed(1)} logins/s`)
  }
  const tokenFetches = (await h.standInStats(scalekit.url)).tokenFetches
  stopScraping?.()
  const audit = ops && OPS?.includes('audit') ? await drainAuditStream(bench, ops, databaseFile) : null
  await server.stop()
  build.unchanged()
  const { retriedCompletions, callsPerLogin, ...ledger } = await checkLedger(flows, scalekit.url, databaseFile)
  const errors = warmupErrors.length + phases.reduce((sum, phase) => sum + phase.errors, 0)
  if (errors > 0) bench.log(`server output (tail):\n${server.outputTail()}`)
  for (const sample of ledger.mismatchSamples) bench.log(`  mismatch: ${sample}`)
  const auditOk = !audit || (audit.missing === 0 && audit.badSignatures === 0)
  return {
    ok: auditOk && !(errors > 0 || !ledger.ok || tokenFetches !== 1 || phases.some((phase) => phase.completed === 0)),
    ops: ops && { parts: OPS, ...ops.stats, scrapeMs: h.summarize(ops.stats.scrapeMs), audit },
    concurrency: CONCURRENCY,
    faultPercent: FAULT_PERCENT,
    warmup: { logins: WARMUP_LOGINS, errors: warmupErrors.length },
    loadAtStart,
    /** Client-credentials token fetches over the whole run (warm-up and both phases); target exactly 1. */
    tokenFetches,
    phases: phases.map((phase) => ({
      ...phase,
      callsPerLogin: callsPerLogin[phase.name] ?? {},
      retriedCompletions: retriedCompletions[phase.name] ?? null,
    })),
    ledger,
  }
}
