// Login benchmark: `npm run bench:login` (tsx --conditions=react-server bench/login.ts).
//
//  1. Server-side overhead of completeLogin() in-process (real SDK against the in-process stand-in,
//     fresh SQLite file), minus the time spent inside the Scalekit call.
//  2. Client-credentials token fetches across those completions (stand-in stats and the bridge's
//     own counter).
//  3. Completed logins per second, 20 virtual browsers against a real `next start` (no JavaScript:
//     GET the page, POST the server-action form as multipart, expect the 303 to partner:callback).
//  4. JavaScript shipped to /login (gzip, default level).
//
// Loopback only (bridge on 3500, stand-in on 4210). Every loop is bounded in count and in time.
// Secrets are generated per run and never printed. Exits non-zero when a measured login fails.
// Results: a table, a final JSON line, and the marked block of docs/benchmarks.md.

import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { gzipSync } from 'node:zlib'
import type { ScalekitStandIn } from '../e2e/stand-in/scalekit'
import {
  cpuTimeMs,
  inlineScriptBodies,
  replaceMarkedBlock,
  round,
  signInFormHiddenInputs,
  staticScriptUrls,
  summarize,
  watchMemory,
  type Summary,
} from './support'
import {
  BENCH_USER,
  benchUser,
  boundedSetting,
  bridgeEnv as benchBridgeEnv,
  browserLogin as harnessBrowserLogin,
  buildId,
  createBenchUser as createBenchUserDatabase,
  createLoginRequest as createStandInLoginRequest,
  generateCredentials,
  machine,
  ms,
  partnerCallbackUrl,
  removeDatabase,
  ROOT,
  roundSummary,
  standInStats as readStandInStats,
  startBridgeServer as spawnBridgeServer,
  table,
  waitForHealth as waitForServerHealth,
  type LoginAttempt,
  type Machine,
  type RunningServer,
  type StandInLoginRequest,
  type StandInStats,
  cleanupOnExit,
  runBenchmark,
  startBenchStandIn,
} from './harness'

const COMMAND = 'npm run bench:login'

// Clear of the e2e suite (bridges 3100-3400, stand-ins and upstreams 4110-4160, demo 4310-4330), so
// both can run on one machine at once.
const BRIDGE_PORT = 3500
const STAND_IN_PORT = 4210
const APP_URL = `http://localhost:${BRIDGE_PORT}`
const BRIDGE_HOST = 'localhost'

const WARMUP_COMPLETIONS = boundedSetting('BENCH_WARMUP_COMPLETIONS', 50, 1, 1000)
const COMPLETIONS = boundedSetting('BENCH_COMPLETIONS', 1000, 1, 10_000)
const COMPLETION_TIME_LIMIT_MS = 180_000

const HTTP_WARMUP_LOGINS = boundedSetting('BENCH_HTTP_WARMUP_LOGINS', 10, 1, 100)
const HTTP_LOGINS = boundedSetting('BENCH_HTTP_LOGINS', 200, 1, 5000)
const HTTP_CONCURRENCY = boundedSetting('BENCH_HTTP_CONCURRENCY', 20, 1, 200)
const HTTP_TIME_LIMIT_MS = boundedSetting('BENCH_HTTP_SECONDS', 30, 1, 600) * 1000
const REQUEST_TIMEOUT_MS = 15_000
const SERVER_START_TIMEOUT_MS = 60_000
const WRITE_DOC = process.env.BENCH_WRITE_DOC !== '0'
const KEEP_DB = process.env.BENCH_KEEP_DB === '1'

const TARGET_OVERHEAD_P50_MS = 5
const TARGET_TOKEN_FETCHES = 1
const TARGET_LOGIN_JS_GZIP_KB = 100

// Per-run credentials: the stand-in and the bridge share them, nothing prints them.
const CREDENTIALS = generateCredentials()
const TTL_SECONDS = 600

function bridgeEnv(databaseUrl: string, standInUrl: string): Record<string, string> {
  return benchBridgeEnv({ port: BRIDGE_PORT, databaseUrl, standInUrl, credentials: CREDENTIALS, ttlSeconds: TTL_SECONDS })
}

function partnerCallback(standInUrl: string, state: string): string {
  return partnerCallbackUrl(standInUrl, CREDENTIALS.connectionId, state)
}

function createLoginRequest(standInUrl: string): Promise<StandInLoginRequest> {
  return createStandInLoginRequest(standInUrl, REQUEST_TIMEOUT_MS)
}

function standInStats(standInUrl: string, reset = false): Promise<StandInStats> {
  return readStandInStats(standInUrl, REQUEST_TIMEOUT_MS, reset)
}

// ---------------------------------------------------------------------------------------------
// 1 + 2. completeLogin() in-process

interface CompletionResults {
  warmup: number
  measured: number
  failures: number
  firstFailure: string | null
  timeLimited: boolean
  overheadMs: Summary
  totalMs: Summary
  scalekitMs: Summary
  tokenFetchesStandIn: number
  tokenFetchesClient: number
  userDetailsCallsStandIn: number
  logLines: number
}

/** Log lines of lib/server/log.ts go to /dev/null (still one write syscall each), so 1,000 of them do not flood the report. */
function divertLogLines() {
  const sink = fs.openSync('/dev/null', 'w')
  const original = process.stdout.write
  let lines = 0
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string' && chunk.startsWith('{"t":"')) {
      fs.writeSync(sink, chunk)
      lines += 1
      return true
    }
    return Reflect.apply(original, this, [chunk, ...rest]) as boolean
  } as typeof process.stdout.write
  return {
    restore() {
      process.stdout.write = original
      fs.closeSync(sink)
      return lines
    },
  }
}

async function measureCompletions(standIn: ScalekitStandIn, databaseFile: string): Promise<CompletionResults> {
  removeDatabase(databaseFile)
  // lib/env.ts reads process.env once, on first use: set it before anything from lib/ runs.
  Object.assign(process.env, bridgeEnv(`file:${databaseFile}`, standIn.url))
  const [{ getDb }, { completeLogin }, { getScalekit }, { recordLoginReceived }, { hashState, withPendingEntry }] = await Promise.all([
    import('../lib/db/client'),
    import('../lib/login/complete'),
    import('../lib/scalekit/client'),
    import('../lib/ledger/record'),
    import('../lib/login/request'),
  ])
  const db = await getDb()

  // Time spent inside the SDK call (token fetch, gRPC round trip to the stand-in, the stand-in's own
  // work, which shares this event loop), measured by a decorator installed here and not in lib/.
  const client = getScalekit()
  const auth = client.sdk.auth
  const original = auth.updateLoginUserDetails
  let insideMs = 0
  let insideCalls = 0
  auth.updateLoginUserDetails = async function (this: typeof auth, ...args: Parameters<typeof original>) {
    const started = performance.now()
    try {
      return await original.apply(this, args)
    } finally {
      insideMs += performance.now() - started
      insideCalls += 1
    }
  }

  const identity = {
    ok: true as const,
    profile: { source: 'local', subject: randomUUID(), email: BENCH_USER.email, emailVerified: false, name: BENCH_USER.name },
  }

  await standInStats(standIn.url, true)
  const overhead: number[] = []
  const total: number[] = []
  const scalekit: number[] = []
  let failures = 0
  let firstFailure: string | null = null
  let measured = 0
  const logs = divertLogLines()
  const deadline = performance.now() + COMPLETION_TIME_LIMIT_MS
  try {
    for (let i = 0; i < WARMUP_COMPLETIONS + COMPLETIONS && performance.now() < deadline; i += 1) {
      const isWarmup = i < WARMUP_COMPLETIONS
      const request = await createLoginRequest(standIn.url)
      const params = { loginRequestId: request.loginRequestId, state: request.state }
      const arrived = Date.now()
      await recordLoginReceived(
        db,
        {
          loginRequestId: params.loginRequestId,
          connectionId: CREDENTIALS.connectionId,
          stateHash: hashState(params.state),
          ttlSeconds: TTL_SECONDS,
          ip: '127.0.0.1',
          userAgent: 'bench/login.ts',
        },
        arrived,
      )
      const pending = withPendingEntry({}, params, arrived, TTL_SECONDS)

      insideMs = 0
      insideCalls = 0
      const started = performance.now()
      const result = await completeLogin({ params, pending, identity, signedInAt: arrived })
      const elapsed = performance.now() - started

      const expected = partnerCallback(standIn.url, params.state)
      const problem = !result.ok
        ? `completeLogin failed: ${result.problem}`
        : result.location !== expected
          ? 'completeLogin returned an unexpected location'
          : insideCalls !== 1
            ? `expected 1 Scalekit call, saw ${insideCalls}`
            : null
      if (problem) {
        failures += 1
        firstFailure ??= problem
        continue
      }
      if (isWarmup) continue
      measured += 1
      total.push(elapsed)
      scalekit.push(insideMs)
      overhead.push(elapsed - insideMs)
    }
  } finally {
    auth.updateLoginUserDetails = original
  }
  const logLines = logs.restore()
  const stats = await standInStats(standIn.url)
  await db.destroy()
  return {
    warmup: WARMUP_COMPLETIONS,
    measured,
    failures,
    firstFailure,
    timeLimited: measured + failures < COMPLETIONS,
    overheadMs: summarize(overhead),
    totalMs: summarize(total),
    scalekitMs: summarize(scalekit),
    tokenFetchesStandIn: stats.tokenFetches,
    tokenFetchesClient: client.tokenFetches,
    userDetailsCallsStandIn: stats.userDetailsCalls,
    logLines,
  }
}

// ---------------------------------------------------------------------------------------------
// 3 + 4. A real `next start`, driven by virtual browsers without JavaScript

function startBridgeServer(env: Record<string, string>): RunningServer {
  return spawnBridgeServer(BRIDGE_PORT, env)
}

function waitForHealth(server: RunningServer): Promise<void> {
  return waitForServerHealth(server, SERVER_START_TIMEOUT_MS)
}

/** One person in a fresh browser profile without JavaScript: open the link, fill the form, submit. */
function browserLogin(standInUrl: string, person = 0): Promise<LoginAttempt> {
  return harnessBrowserLogin({
    appUrl: APP_URL,
    standInUrl,
    connectionId: CREDENTIALS.connectionId,
    email: benchUser(person).email,
    password: CREDENTIALS.userPassword,
    timeoutMs: REQUEST_TIMEOUT_MS,
  })
}

interface HttpResults {
  warmup: number
  warmupFailures: number
  attempted: number
  completed: number
  errors: number
  errorSamples: string[]
  timeLimited: boolean
  elapsedSeconds: number
  loginsPerSecond: number
  postMs: Summary
  getMs: Summary
  loginMs: Summary
  peakRssMb: number
  peakHwmMb: number
  serverChildProcesses: number
  serverTokenFetches: number
  /** Server CPU (user + system) during the measured logins, per completed login. */
  serverCpuMsPerLogin: number
  /** Server CPU during the measured logins over wall time, as a share of all cores. */
  serverCpuShare: number
}

async function measureHttp(standInUrl: string, serverPid: number): Promise<HttpResults> {
  const warmupErrors: string[] = []
  for (let i = 0; i < HTTP_WARMUP_LOGINS; i += 1) {
    const attempt = await browserLogin(standInUrl)
    if (!attempt.ok) warmupErrors.push(attempt.error ?? 'unknown')
  }

  const attempts: LoginAttempt[] = []
  let issued = 0
  const cpuBefore = cpuTimeMs(serverPid)
  const started = performance.now()
  const deadline = started + HTTP_TIME_LIMIT_MS
  const worker = async (person: number) => {
    while (issued < HTTP_LOGINS && performance.now() < deadline) {
      issued += 1
      attempts.push(await browserLogin(standInUrl, person))
    }
  }
  await Promise.all(Array.from({ length: HTTP_CONCURRENCY }, (_, person) => worker(person)))
  const elapsedSeconds = (performance.now() - started) / 1000
  const serverCpuMs = cpuTimeMs(serverPid) - cpuBefore

  const ok = attempts.filter((attempt) => attempt.ok)
  const failed = attempts.filter((attempt) => !attempt.ok)
  const stats = await standInStats(standInUrl)
  return {
    warmup: HTTP_WARMUP_LOGINS,
    warmupFailures: warmupErrors.length,
    attempted: attempts.length,
    completed: ok.length,
    errors: failed.length,
    errorSamples: [...new Set([...warmupErrors, ...failed.map((attempt) => attempt.error ?? 'unknown')])].slice(0, 5),
    timeLimited: attempts.length < HTTP_LOGINS,
    elapsedSeconds,
    loginsPerSecond: ok.length / elapsedSeconds,
    postMs: summarize(ok.map((attempt) => attempt.postMs)),
    getMs: summarize(ok.map((attempt) => attempt.getMs)),
    loginMs: summarize(ok.map((attempt) => attempt.totalMs)),
    peakRssMb: NaN,
    peakHwmMb: NaN,
    serverChildProcesses: 0,
    serverTokenFetches: stats.tokenFetches,
    serverCpuMsPerLogin: serverCpuMs / ok.length,
    serverCpuShare: serverCpuMs / 1000 / elapsedSeconds / os.cpus().length,
  }
}

type ChunkKind = 'framework' | 'route' | 'polyfill (nomodule)'

interface Chunk {
  path: string
  kind: ChunkKind
  noModule: boolean
  bytes: number
  gzipBytes: number
}

interface JavaScriptResults {
  chunks: Chunk[]
  /** Every <script src> / preload under /_next/static, as listed in the HTML. */
  totalBytes: number
  totalGzipBytes: number
  /** What a browser with ES module support downloads: the same minus <script nomodule> polyfills. */
  moduleBrowserGzipBytes: number
  frameworkGzipBytes: number
  /** Chunks outside the framework's root set: Next's per-route glue and the app's client components. */
  routeGzipBytes: number
  inlineScripts: number
  inlineGzipBytes: number
  signInFormPresent: boolean
}

async function measureLoginJavaScript(standInUrl: string): Promise<JavaScriptResults> {
  const request = await createLoginRequest(standInUrl)
  const page = await fetch(request.loginUrl, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  const html = await page.text()
  if (page.status !== 200) throw new Error(`GET /login answered ${page.status}`)
  // Next's build manifest names the framework's root chunks and the polyfills; the rest is per route.
  // (Read now, not earlier: .next may be rebuilt between runs; an unknown chunk counts as per route.)
  let manifest: { rootMainFiles?: string[]; polyfillFiles?: string[] } = {}
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(ROOT, '.next', 'build-manifest.json'), 'utf8')) as typeof manifest
  } catch {
    // Classification is informative only.
  }
  const framework = new Set((manifest.rootMainFiles ?? []).map((file) => `/_next/${file}`))
  const polyfills = new Set((manifest.polyfillFiles ?? []).map((file) => `/_next/${file}`))
  const chunks: Chunk[] = []
  for (const script of staticScriptUrls(html, APP_URL)) {
    const response = await fetch(script.url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    if (!response.ok) throw new Error(`GET ${new URL(script.url).pathname} answered ${response.status}`)
    const body = Buffer.from(await response.arrayBuffer())
    const chunkPath = new URL(script.url).pathname
    const kind: ChunkKind = script.noModule || polyfills.has(chunkPath) ? 'polyfill (nomodule)' : framework.has(chunkPath) ? 'framework' : 'route'
    chunks.push({ path: chunkPath, kind, noModule: script.noModule, bytes: body.length, gzipBytes: gzipSync(body).length })
  }
  const inline = inlineScriptBodies(html)
  const gzipOf = (filter: (chunk: Chunk) => boolean) => chunks.filter(filter).reduce((sum, chunk) => sum + chunk.gzipBytes, 0)
  return {
    chunks,
    totalBytes: chunks.reduce((sum, chunk) => sum + chunk.bytes, 0),
    totalGzipBytes: gzipOf(() => true),
    moduleBrowserGzipBytes: gzipOf((chunk) => !chunk.noModule),
    frameworkGzipBytes: gzipOf((chunk) => chunk.kind === 'framework'),
    routeGzipBytes: gzipOf((chunk) => chunk.kind === 'route'),
    inlineScripts: inline.length,
    inlineGzipBytes: inline.reduce((sum, body) => sum + gzipSync(Buffer.from(body)).length, 0),
    signInFormPresent: signInFormHiddenInputs(html) !== null,
  }
}

const ARGON2_SAMPLES = 12

/** Creates the benchmark's user, and times argon2id verification of its password (sequential, in-process). */
async function createBenchUser(databaseFile: string): Promise<Summary> {
  const user = await createBenchUserDatabase(databaseFile, CREDENTIALS.userPassword, HTTP_CONCURRENCY)
  const { verifyPassword } = await import('../lib/users/passwords')
  const samples: number[] = []
  for (let i = 0; i < ARGON2_SAMPLES + 2; i += 1) {
    const started = performance.now()
    if (!(await verifyPassword(user.password_hash, CREDENTIALS.userPassword))) throw new Error('argon2 verification of the bench user failed')
    if (i >= 2) samples.push(performance.now() - started)
  }
  return summarize(samples)
}

// ---------------------------------------------------------------------------------------------
// Report

const kb = (bytes: number) => `${round(bytes / 1024, 1).toFixed(1)} KB`
const mark = (ok: boolean) => (ok ? 'met' : 'NOT MET')

function markdownReport(
  date: string,
  host: Machine,
  completion: CompletionResults,
  http: HttpResults,
  js: JavaScriptResults,
  argon2: Summary,
): string {
  const o = completion.overheadMs
  const lines = [
    `Measured ${date} with \`${COMMAND}\` on ${host.cores} cores (${host.cpu}), ${host.memoryGb} GB RAM, Node ${host.node}, ${host.os}.`,
    '',
    '### 1. Server-side overhead of the completion step (completeLogin, in-process)',
    '',
    `${completion.measured} measured completions after ${completion.warmup} warm-up completions (not counted); each on a fresh login request. Overhead = whole \`completeLogin()\` minus the time inside \`sdk.auth.updateLoginUserDetails\`.`,
    '',
    '| | p50 | p95 | p99 | max | mean |',
    '|---|---:|---:|---:|---:|---:|',
    `| **overhead** (target p50 <= ${TARGET_OVERHEAD_P50_MS} ms: ${mark(o.p50 <= TARGET_OVERHEAD_P50_MS)}) | ${ms(o.p50)} | ${ms(o.p95)} | ${ms(o.p99)} | ${ms(o.max)} | ${ms(o.mean)} |`,
    `| whole completeLogin() | ${ms(completion.totalMs.p50)} | ${ms(completion.totalMs.p95)} | ${ms(completion.totalMs.p99)} | ${ms(completion.totalMs.max)} | ${ms(completion.totalMs.mean)} |`,
    `| inside the Scalekit call (excluded) | ${ms(completion.scalekitMs.p50)} | ${ms(completion.scalekitMs.p95)} | ${ms(completion.scalekitMs.p99)} | ${ms(completion.scalekitMs.max)} | ${ms(completion.scalekitMs.mean)} |`,
    '',
    `Failures: ${completion.failures}.`,
    '',
    '### 2. Client-credentials token fetches',
    '',
    `Across all ${completion.warmup + completion.measured} completions of step 1 (warm-up included): **${completion.tokenFetchesStandIn}** at the stand-in's \`/oauth/token\`, ${completion.tokenFetchesClient} by \`getScalekit().tokenFetches\` (target exactly ${TARGET_TOKEN_FETCHES}: ${mark(completion.tokenFetchesStandIn === TARGET_TOKEN_FETCHES && completion.tokenFetchesClient === TARGET_TOKEN_FETCHES)}). The stand-in saw ${completion.userDetailsCallsStandIn} user-details calls. The \`next start\` server of step 3 fetched ${http.serverTokenFetches} token(s) over its ${http.warmup + http.attempted} logins.`,
    '',
    `### 3. Completed logins per second, ${HTTP_CONCURRENCY} virtual browsers, \`next start\``,
    '',
    `${http.attempted} measured logins (bounded at ${HTTP_LOGINS} or ${HTTP_TIME_LIMIT_MS / 1000} s${http.timeLimited ? '; the time bound ended the run' : ''}) after ${http.warmup} sequential warm-up logins (not counted).`,
    '',
    '| | value |',
    '|---|---:|',
    `| **completed logins/s** | **${round(http.loginsPerSecond, 1)}** (${http.completed} in ${round(http.elapsedSeconds, 2)} s) |`,
    `| errors | ${http.errors} (warm-up: ${http.warmupFailures}) |`,
    `| POST /login (sign-in + completion) p50 / p95 | ${ms(http.postMs.p50)} / ${ms(http.postMs.p95)} |`,
    `| GET /login p50 / p95 | ${ms(http.getMs.p50)} / ${ms(http.getMs.p95)} |`,
    `| whole login (create, GET, POST) p50 / p95 | ${ms(http.loginMs.p50)} / ${ms(http.loginMs.p95)} |`,
    `| server peak RSS (max VmRSS, 100 ms polling) | ${round(http.peakRssMb, 1)} MB |`,
    `| server VmHWM at the end | ${round(http.peakHwmMb, 1)} MB |`,
    `| server CPU per completed login (user + system) | ${ms(http.serverCpuMsPerLogin)} |`,
    `| server CPU use during the run (share of ${host.cores} cores) | ${Math.round(http.serverCpuShare * 100)} % |`,
    `| argon2id verify alone (19 MiB, t=2, p=1; in-process, sequential) p50 / max | ${ms(argon2.p50)} / ${ms(argon2.max)} |`,
    '',
    ...(http.errorSamples.length ? ['Errors seen: ' + http.errorSamples.map((e) => `\`${e}\``).join(', '), ''] : []),
    '### 4. JavaScript shipped to /login',
    '',
    `All ${js.chunks.length} \`/_next/static\` scripts referenced by the page: **${kb(js.totalGzipBytes)} gzip** (${kb(js.totalBytes)} raw); target <= ${TARGET_LOGIN_JS_GZIP_KB} KB: **${mark(js.totalGzipBytes / 1024 <= TARGET_LOGIN_JS_GZIP_KB)}**.`,
    '',
    '| | gzip |',
    '|---|---:|',
    `| every \`<script src>\` and script preload (as listed in the HTML) | ${kb(js.totalGzipBytes)} |`,
    `| what a browser with ES modules downloads (without \`<script nomodule>\` polyfills) | ${kb(js.moduleBrowserGzipBytes)} |`,
    `| of which Next.js/React framework (build manifest \`rootMainFiles\`) | ${kb(js.frameworkGzipBytes)} |`,
    `| of which per-route chunks (Next's page glue and the app's client components) | ${kb(js.routeGzipBytes)} |`,
    `| inline scripts in the HTML (RSC payload, bootstrap; not counted above) | ${kb(js.inlineGzipBytes)} in ${js.inlineScripts} |`,
    '',
    '| chunk | kind | raw | gzip |',
    '|---|---|---:|---:|',
    ...js.chunks.map((chunk) => `| \`${chunk.path}\` | ${chunk.kind} | ${kb(chunk.bytes)} | ${kb(chunk.gzipBytes)} |`),
  ]
  return lines.join('\n')
}

async function main(): Promise<number> {
  process.chdir(ROOT)
  const date = new Date().toISOString()
  const host = machine()
  const stamp = `${date.replace(/[-:]/g, '').replace(/\..*$/, '')}-${process.pid}`
  const completionDb = path.join(ROOT, '.data', `bench-${stamp}.db`)
  const httpDb = path.join(ROOT, '.data', 'bench-http.db')
  fs.mkdirSync(path.join(ROOT, '.data'), { recursive: true })

  const { cleanups, cleanup } = cleanupOnExit()

  console.log(`bench:login  ${host.cores} cores, Node ${host.node}, ${date}`)
  try {
    const standIn = await startBenchStandIn({ port: STAND_IN_PORT, bridgeLoginUrl: `${APP_URL}/login`, credentials: CREDENTIALS, resourceUrl: 'http://localhost:4299/mcp' })
    cleanups.push(() => standIn.close())
    console.log(`stand-in on ${standIn.url} (in-process)`)

    console.log(`[1-2/4] completeLogin() x ${COMPLETIONS} in-process (after ${WARMUP_COMPLETIONS} warm-up), SQLite ${path.relative(ROOT, completionDb)}`)
    if (!KEEP_DB) cleanups.push(() => removeDatabase(completionDb))
    const completion = await measureCompletions(standIn, completionDb)

    console.log(`[3/4] ${HTTP_CONCURRENCY} virtual browsers against next start on ${APP_URL} (bound ${BRIDGE_HOST})`)
    const argon2 = await createBenchUser(httpDb)
    if (!KEEP_DB) cleanups.push(() => removeDatabase(httpDb))
    await standInStats(standIn.url, true)
    const buildBefore = buildId()
    if (!buildBefore) throw new Error('no production build in .next (BUILD_ID missing): build first, or wait for a build in progress to finish')
    const server = startBridgeServer(bridgeEnv('file:.data/bench-http.db', standIn.url))
    cleanups.push(() => server.stop())
    const memory = watchMemory(server.pid)
    cleanups.push(() => void memory.stop())
    await waitForHealth(server)
    const http = await measureHttp(standIn.url, server.pid)
    const peak = memory.stop()
    http.peakRssMb = peak.peakTreeRssKb / 1024
    http.peakHwmMb = peak.peakRootHwmKb / 1024
    http.serverChildProcesses = peak.childProcesses

    console.log('[4/4] JavaScript shipped to /login')
    const js = await measureLoginJavaScript(standIn.url).catch((error: unknown) => {
      const rebuilt = buildId() !== buildBefore
      throw new Error(`${error instanceof Error ? error.message : String(error)}${rebuilt ? ' (.next was rebuilt during the run: rerun)' : ''}`)
    })
    await server.stop()
    if (buildId() !== buildBefore) throw new Error('.next was rebuilt during the run, so the server changed underneath the measurement: rerun')
    if (http.errors + http.warmupFailures > 0) console.error(`server output (tail):\n${server.outputTail()}`)

    const o = completion.overheadMs
    console.log('')
    console.log('Completion step, in-process (ms)        p50      p95      p99      max')
    const row = (label: string, s: Summary) =>
      console.log(`  ${label.padEnd(38)}${[s.p50, s.p95, s.p99, s.max].map((v) => round(v, 2).toFixed(2).padStart(9)).join('')}`)
    row(`overhead (target p50 <= ${TARGET_OVERHEAD_P50_MS})`, o)
    row('whole completeLogin()', completion.totalMs)
    row('inside the Scalekit call', completion.scalekitMs)
    console.log('')
    console.log(
      table([
        ['completions measured / warm-up', `${completion.measured} / ${completion.warmup}${completion.timeLimited ? ' (time bound hit)' : ''}`],
        ['completion failures', String(completion.failures) + (completion.firstFailure ? ` (${completion.firstFailure})` : '')],
        ['token fetches (stand-in / client)', `${completion.tokenFetchesStandIn} / ${completion.tokenFetchesClient}  target ${TARGET_TOKEN_FETCHES}: ${mark(completion.tokenFetchesStandIn === 1 && completion.tokenFetchesClient === 1)}`],
        ['overhead p50 target', `${ms(o.p50)} <= ${TARGET_OVERHEAD_P50_MS} ms: ${mark(o.p50 <= TARGET_OVERHEAD_P50_MS)}`],
        [`HTTP logins (${HTTP_CONCURRENCY} browsers)`, `${http.completed} ok, ${http.errors} errors in ${round(http.elapsedSeconds, 2)} s${http.timeLimited ? ' (time bound hit)' : ''}`],
        ['completed logins/s', round(http.loginsPerSecond, 1).toFixed(1)],
        ['POST /login p50 / p95', `${ms(http.postMs.p50)} / ${ms(http.postMs.p95)}`],
        ['GET /login p50 / p95', `${ms(http.getMs.p50)} / ${ms(http.getMs.p95)}`],
        ['server peak RSS / VmHWM', `${round(http.peakRssMb, 1)} MB / ${round(http.peakHwmMb, 1)} MB (child processes: ${http.serverChildProcesses})`],
        ['server token fetches', String(http.serverTokenFetches)],
        ['server CPU per login / share of cores', `${ms(http.serverCpuMsPerLogin)} / ${Math.round(http.serverCpuShare * 100)} %`],
        ['argon2id verify alone p50 / max', `${ms(argon2.p50)} / ${ms(argon2.max)} (in-process, sequential)`],
        ['/login JS, all scripts (gzip / raw)', `${kb(js.totalGzipBytes)} / ${kb(js.totalBytes)} in ${js.chunks.length} chunks  target <= ${TARGET_LOGIN_JS_GZIP_KB} KB: ${mark(js.totalGzipBytes / 1024 <= TARGET_LOGIN_JS_GZIP_KB)}`],
        ['/login JS, module browsers (gzip)', `${kb(js.moduleBrowserGzipBytes)} (framework ${kb(js.frameworkGzipBytes)}, route ${kb(js.routeGzipBytes)})`],
        ['inline scripts (gzip, not counted)', `${kb(js.inlineGzipBytes)} in ${js.inlineScripts}`],
      ]),
    )
    console.log('')
    for (const chunk of js.chunks) console.log(`  ${kb(chunk.gzipBytes).padStart(9)} gzip  ${chunk.kind.padEnd(20)} ${chunk.path}`)
    if (http.errorSamples.length) console.log(`\nerrors: ${http.errorSamples.join(' | ')}`)

    const failed = completion.failures > 0 || http.errors > 0 || http.warmupFailures > 0 || completion.measured === 0 || http.completed === 0
    if (WRITE_DOC && !failed) {
      replaceMarkedBlock(
        path.join(ROOT, 'docs', 'benchmarks.md'),
        'bench-login',
        markdownReport(date, host, completion, http, js, argon2),
        '# Benchmarks\n',
      )
      console.log('\nwrote the results block of docs/benchmarks.md')
    }

    const result = {
      bench: 'login',
      date,
      command: COMMAND,
      machine: host,
      ok: !failed,
      completion: {
        warmup: completion.warmup,
        measured: completion.measured,
        failures: completion.failures,
        overheadMs: roundSummary(completion.overheadMs),
        totalMs: roundSummary(completion.totalMs),
        scalekitMs: roundSummary(completion.scalekitMs),
        targetOverheadP50Met: o.p50 <= TARGET_OVERHEAD_P50_MS,
      },
      tokenFetches: {
        standIn: completion.tokenFetchesStandIn,
        client: completion.tokenFetchesClient,
        targetMet: completion.tokenFetchesStandIn === 1 && completion.tokenFetchesClient === 1,
        httpServer: http.serverTokenFetches,
      },
      http: {
        concurrency: HTTP_CONCURRENCY,
        warmup: http.warmup,
        attempted: http.attempted,
        completed: http.completed,
        errors: http.errors,
        warmupFailures: http.warmupFailures,
        elapsedSeconds: round(http.elapsedSeconds, 3),
        loginsPerSecond: round(http.loginsPerSecond, 2),
        postMs: roundSummary(http.postMs),
        getMs: roundSummary(http.getMs),
        peakRssMb: round(http.peakRssMb, 1),
        peakHwmMb: round(http.peakHwmMb, 1),
        serverCpuMsPerLogin: round(http.serverCpuMsPerLogin, 1),
        serverCpuShare: round(http.serverCpuShare, 3),
        argon2VerifyMs: roundSummary(argon2),
      },
      loginJavaScript: {
        totalGzipKb: round(js.totalGzipBytes / 1024, 1),
        totalRawKb: round(js.totalBytes / 1024, 1),
        moduleBrowserGzipKb: round(js.moduleBrowserGzipBytes / 1024, 1),
        frameworkGzipKb: round(js.frameworkGzipBytes / 1024, 1),
        routeGzipKb: round(js.routeGzipBytes / 1024, 1),
        targetMet: js.totalGzipBytes / 1024 <= TARGET_LOGIN_JS_GZIP_KB,
        chunks: js.chunks,
        inlineGzipKb: round(js.inlineGzipBytes / 1024, 1),
      },
    }
    console.log(JSON.stringify(result))
    return failed ? 1 : 0
  } finally {
    await cleanup()
  }
}

runBenchmark('bench:login', main)
