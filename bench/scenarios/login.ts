import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { gzipSync } from 'node:zlib'
import { parseAttributes, signInFormHiddenInputs } from '../../e2e/support/forms'
import { expectedPartnerCallback } from '../../e2e/stand-in/partner-callback'
import { benchUserLogin, Origin, type LoginAttempt } from '../browser'
import * as h from '../harness'
import type { McpServer } from '../../lib/servers/config'
import type { IdentityProfile } from '../../lib/sources/claims'

// The local directory's login (`npm run bench:login`, first half; docs/benchmarks.md): (1) completeLogin()'s in-process
// overhead beside the Scalekit call, alternating between a server without access rules and one whose policy the person
// passes (and decideAccess() alone), (2) its token fetches, (3) logins per second of virtual browsers against `next start`,
// and (4) the JavaScript /login ships. Fails when a measured login fails.

const BRIDGE_PORT = 3500
const STAND_IN_PORT = 4210
const APP_URL = `http://localhost:${BRIDGE_PORT}`

const WARMUP_COMPLETIONS = h.setting('BENCH_WARMUP_COMPLETIONS', 50, 1, 1000)
const COMPLETIONS = h.setting('BENCH_COMPLETIONS', 1000, 1, 10_000)
const COMPLETION_TIME_LIMIT_MS = 180_000
const POLICY_CALLS = h.setting('BENCH_POLICY_CALLS', 1_000_000, 1000, 100_000_000)
const HTTP_WARMUP_LOGINS = h.setting('BENCH_HTTP_WARMUP_LOGINS', 10, 1, 100)
const HTTP_LOGINS = h.setting('BENCH_HTTP_LOGINS', 200, 1, 5000)
const HTTP_CONCURRENCY = h.setting('BENCH_HTTP_CONCURRENCY', 20, 1, 200)
const HTTP_TIME_LIMIT_MS = h.setting('BENCH_HTTP_SECONDS', 30, 1, 600) * 1000
const ARGON2_SAMPLES = 12
const TARGET_OVERHEAD_P50_MS = 5
const TARGET_LOGIN_JS_GZIP_KB = 100

const CREDENTIALS = h.generateCredentials()
const BENCH_PERSON = { ...h.benchUser(0), groups: ['staff', 'engineering'], roles: ['developer'] }
/**
 * The completions' A/B (MCP_SERVERS, one Scalekit environment): `open` admits anyone; `policy` sets groups, roles and
 * emails, each matched by the bench person only at its last entry, so every rule is evaluated in full before it admits.
 */
const AB_SERVERS = [
  { key: 'open', name: 'Open', connectionId: `${CREDENTIALS.connectionId}open` },
  {
    key: 'policy',
    name: 'With a policy',
    connectionId: `${CREDENTIALS.connectionId}policy`,
    allow: {
      groups: ['finance', 'support', BENCH_PERSON.groups[1]!],
      roles: ['admin', BENCH_PERSON.roles[0]!],
      emails: ['someone.else@example.com', BENCH_PERSON.email],
    },
  },
]

/** Log lines of lib/server/log.ts go to /dev/null (still one write syscall each) rather than among the results; returns the restore. */
function divertLogLines() {
  const sink = fs.openSync('/dev/null', 'w')
  const original = process.stdout.write
  let lines = 0
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'string' || !chunk.startsWith('{"t":"')) return Reflect.apply(original, this, [chunk, ...rest]) as boolean
    fs.writeSync(sink, chunk)
    return ++lines > 0
  } as typeof process.stdout.write
  return () => {
    process.stdout.write = original
    fs.closeSync(sink)
    return lines
  }
}

/** decideAccess() alone per server, ns per call: the median of 5 batches (after one warm-up), the servers' batches alternating. */
async function timeDecideAccess(servers: McpServer[], person: IdentityProfile) {
  const { decideAccess } = await import('../../lib/servers/policy')
  const batch = Math.ceil(POLICY_CALLS / 5)
  const perCall = servers.map(() => [] as number[])
  let admitted = 0
  for (let run = 0; run <= 5; run += 1) {
    servers.forEach((server, index) => {
      const started = performance.now()
      for (let i = 0; i < batch; i += 1) if (decideAccess(server, person).allowed) admitted += 1
      if (run > 0) perCall[index]!.push(((performance.now() - started) * 1e6) / batch)
    })
  }
  if (admitted !== batch * 6 * servers.length) throw new Error('decideAccess refused the bench person')
  const nsPerCall: Record<string, number> = Object.fromEntries(servers.map((s, index) => [s.key, h.summarize(perCall[index]!).p50]))
  return { calls: batch * 5, nsPerCall }
}

async function measureCompletions(standInUrl: string, databaseFile: string) {
  // lib/env.ts reads process.env once, on first use: set it before anything from lib/ runs.
  Object.assign(
    process.env,
    h.bridgeEnv(BRIDGE_PORT, `file:${databaseFile}`, standInUrl, CREDENTIALS, {
      SCALEKIT_CONNECTION_ID: '',
      MCP_SERVERS: JSON.stringify(AB_SERVERS),
    }),
  )
  const { getDb } = await import('../../lib/db/client')
  const { completeLogin } = await import('../../lib/login/complete')
  const { getScalekit } = await import('../../lib/scalekit/client')
  const { recordLoginReceived } = await import('../../lib/ledger/record')
  const { hashState, withPendingEntry } = await import('../../lib/login/request')
  const db = await getDb()

  // Time inside the SDK call (token fetch, gRPC round trip, the stand-in's work on this event loop), by a decorator not in lib/.
  const { getEnv } = await import('../../lib/env')
  const servers = getEnv().servers
  const client = getScalekit(servers[0]!.environment) // both servers' one client
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
  const profile = { source: 'local', subject: randomUUID(), emailVerified: false, ...BENCH_PERSON }
  const identity = { ok: true as const, profile }

  await h.standInStats(standInUrl, true)
  const samples = AB_SERVERS.map(() => ({ overhead: [] as number[], total: [] as number[], scalekit: [] as number[] }))
  const failures: string[] = []
  const restoreLog = divertLogLines()
  const deadline = performance.now() + COMPLETION_TIME_LIMIT_MS
  try {
    for (let i = 0; i < WARMUP_COMPLETIONS + COMPLETIONS && performance.now() < deadline; i += 1) {
      // Interleaved, so drift on the shared machine falls on both servers alike.
      const server = AB_SERVERS[i % AB_SERVERS.length]!
      const request = await h.createLoginRequest(standInUrl, server.connectionId)
      const params = { loginRequestId: request.loginRequestId, state: request.state, server: server.key }
      const arrived = Date.now()
      const received = {
        loginRequestId: params.loginRequestId,
        connectionId: server.connectionId,
        serverKey: server.key,
        stateHash: hashState(params.state),
        ttlSeconds: h.TTL_SECONDS,
      }
      await recordLoginReceived(db, { ...received, ip: '127.0.0.1', userAgent: 'bench/scenarios/login.ts' }, arrived)
      const pending = withPendingEntry({}, params, arrived, h.TTL_SECONDS, server.key)

      insideMs = 0
      insideCalls = 0
      const started = performance.now()
      const result = await completeLogin({ params, pending, identity, signedInAt: arrived })
      const elapsed = performance.now() - started
      const problem = !result.ok
        ? `completeLogin (${server.key}) failed: ${result.problem}`
        : result.location !== expectedPartnerCallback(standInUrl, server.connectionId, params.state)
          ? `completeLogin (${server.key}) returned an unexpected location`
          : insideCalls !== 1
            ? `expected 1 Scalekit call, saw ${insideCalls}`
            : null
      if (problem) failures.push(problem)
      else if (i >= WARMUP_COMPLETIONS) {
        const into = samples[i % AB_SERVERS.length]!
        into.total.push(elapsed)
        into.scalekit.push(insideMs)
        into.overhead.push(elapsed - insideMs)
      }
    }
  } finally {
    auth.updateLoginUserDetails = original
  }
  const logLines = restoreLog()
  const stats = await h.standInStats(standInUrl)
  await db.destroy()
  // The HTTP bridge inherits process.env: it serves the single connection of its own environment.
  delete process.env.MCP_SERVERS
  const all = (key: 'overhead' | 'total' | 'scalekit') => samples.flatMap((each) => each[key])
  const overheadMs = h.summarize(all('overhead'))
  const byServer = Object.fromEntries(
    AB_SERVERS.map(({ key }, index) => {
      const { overhead, total, scalekit } = samples[index]!
      return [
        key,
        { measured: total.length, overheadMs: h.summarize(overhead), totalMs: h.summarize(total), scalekitMs: h.summarize(scalekit) },
      ]
    }),
  )
  const [open, policy] = AB_SERVERS.map(({ key }) => byServer[key]!.overheadMs)
  return {
    warmup: WARMUP_COMPLETIONS,
    measured: all('total').length,
    failures: failures.length,
    firstFailure: failures[0] ?? null,
    timeLimited: all('total').length + failures.length < COMPLETIONS,
    overheadMs,
    totalMs: h.summarize(all('total')),
    scalekitMs: h.summarize(all('scalekit')),
    targetOverheadP50Met: overheadMs.p50 <= TARGET_OVERHEAD_P50_MS,
    byServer,
    /** `policy` minus `open`: what evaluating the policy adds to a completion. */
    policyMinusOpenMs: { p50: policy!.p50 - open!.p50, p95: policy!.p95 - open!.p95 },
    decideAccess: await timeDecideAccess(servers, profile),
    tokenFetches: { standIn: stats.tokenFetches, client: client.tokenFetches },
    userDetailsCallsStandIn: stats.userDetailsCalls,
    logLines,
  }
}

async function measureHttp(standInUrl: string, serverPid: number) {
  const warmupErrors: string[] = []
  for (let i = 0; i < HTTP_WARMUP_LOGINS; i += 1) {
    const attempt = await benchUserLogin(APP_URL, standInUrl, CREDENTIALS, 0)
    if (!attempt.ok) warmupErrors.push(attempt.error ?? 'unknown')
  }
  const attempts: LoginAttempt[] = []
  let issued = 0
  const cpuBefore = h.cpuTimeMs(serverPid)
  const started = performance.now()
  const deadline = started + HTTP_TIME_LIMIT_MS
  const worker = async (person: number) => {
    while (issued < HTTP_LOGINS && performance.now() < deadline) {
      issued += 1
      attempts.push(await benchUserLogin(APP_URL, standInUrl, CREDENTIALS, person))
    }
  }
  await Promise.all(Array.from({ length: HTTP_CONCURRENCY }, (_, person) => worker(person)))
  const elapsedSeconds = (performance.now() - started) / 1000
  const serverCpuMs = h.cpuTimeMs(serverPid) - cpuBefore
  const ok = attempts.filter((attempt) => attempt.ok)
  const failed = attempts.filter((attempt) => !attempt.ok)
  return {
    concurrency: HTTP_CONCURRENCY,
    warmup: HTTP_WARMUP_LOGINS,
    warmupFailures: warmupErrors.length,
    attempted: attempts.length,
    completed: ok.length,
    errors: failed.length,
    timeLimited: attempts.length < HTTP_LOGINS,
    errorSamples: [...new Set([...warmupErrors, ...failed.map((attempt) => attempt.error ?? 'unknown')])].slice(0, 5),
    elapsedSeconds,
    loginsPerSecond: ok.length / elapsedSeconds,
    postMs: h.summarize(ok.map((attempt) => attempt.postMs)),
    getMs: h.summarize(ok.map((attempt) => attempt.getMs)),
    loginMs: h.summarize(ok.map((attempt) => attempt.totalMs)),
    serverTokenFetches: (await h.standInStats(standInUrl)).tokenFetches,
    serverCpuMsPerLogin: serverCpuMs / ok.length,
    serverCpuShare: serverCpuMs / 1000 / elapsedSeconds / os.cpus().length,
  }
}

/** Every script the page references under /_next/static (<script src>, modulepreload, preload as=script), in document order. */
function staticScripts(html: string): Array<{ url: string; noModule: boolean }> {
  const found = new Map<string, boolean>()
  for (const match of html.matchAll(/<(script|link)\b[^>]*>/gi)) {
    const tag = match[1]!.toLowerCase()
    const attributes = parseAttributes(match[0].slice(tag.length + 1).replace(/\/?>$/, ''))
    const rel = (attributes.rel ?? '').toLowerCase()
    const preload = rel === 'modulepreload' || (rel === 'preload' && attributes.as === 'script')
    const href = tag === 'script' ? attributes.src : preload ? attributes.href : undefined
    if (!href) continue
    const url = new URL(href, APP_URL)
    if (url.origin !== APP_URL || !url.pathname.startsWith('/_next/static/')) continue
    // Only referenced as <script nomodule>: browsers with ES module support never download it.
    const noModule = tag === 'script' && 'nomodule' in attributes
    found.set(url.toString(), (found.get(url.toString()) ?? true) && noModule)
  }
  return [...found].map(([url, noModule]) => ({ url, noModule }))
}

async function measureLoginJavaScript(standInUrl: string) {
  const { response: page, body: html } = await new Origin(APP_URL).send((await h.createLoginRequest(standInUrl)).loginUrl)
  if (page.status !== 200) throw new Error(`GET /login answered ${page.status}`)
  // The build manifest, read now (.next may be rebuilt between runs), names the framework's chunks and polyfills; the rest is per route.
  const read = () => JSON.parse(fs.readFileSync(path.join(h.ROOT, '.next', 'build-manifest.json'), 'utf8'))
  const manifest: { rootMainFiles?: string[]; polyfillFiles?: string[] } = h.orElse(read, {}) // classification is informative only
  const framework = new Set((manifest.rootMainFiles ?? []).map((file) => `/_next/${file}`))
  const polyfills = new Set((manifest.polyfillFiles ?? []).map((file) => `/_next/${file}`))
  const chunks: Array<{ path: string; kind: string; noModule: boolean; bytes: number; gzipBytes: number }> = []
  for (const script of staticScripts(html)) {
    const response = await fetch(script.url, { signal: AbortSignal.timeout(h.REQUEST_TIMEOUT_MS) })
    const chunkPath = new URL(script.url).pathname
    if (!response.ok) throw new Error(`GET ${chunkPath} answered ${response.status}`)
    const body = Buffer.from(await response.arrayBuffer())
    const kind = script.noModule || polyfills.has(chunkPath) ? 'polyfill (nomodule)' : framework.has(chunkPath) ? 'framework' : 'route'
    chunks.push({ path: chunkPath, kind, noModule: script.noModule, bytes: body.length, gzipBytes: gzipSync(body).length })
  }
  // The inline <script> bodies (the RSC payload and bootstrap), which no chunk list counts.
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)]
  const inline = scripts.filter((m) => !/\bsrc\s*=/.test(m[1] ?? '') && (m[2] ?? '').length > 0)
  const gzipKb = (filter: (chunk: (typeof chunks)[number]) => boolean) =>
    chunks.filter(filter).reduce((sum, chunk) => sum + chunk.gzipBytes, 0) / 1024
  return {
    /** Every <script src> / preload under /_next/static, as listed in the HTML. */
    totalGzipKb: gzipKb(() => true),
    totalRawKb: chunks.reduce((sum, chunk) => sum + chunk.bytes, 0) / 1024,
    moduleBrowserGzipKb: gzipKb((chunk) => !chunk.noModule),
    frameworkGzipKb: gzipKb((chunk) => chunk.kind === 'framework'),
    /** Chunks outside the framework's root set: Next's per-route glue and the app's client components. */
    routeGzipKb: gzipKb((chunk) => chunk.kind === 'route'),
    targetMet: gzipKb(() => true) <= TARGET_LOGIN_JS_GZIP_KB,
    inlineScripts: inline.length,
    inlineGzipKb: inline.reduce((sum, m) => sum + gzipSync(Buffer.from(m[2] ?? '')).length, 0) / 1024,
    signInFormPresent: signInFormHiddenInputs(html) !== null,
    chunks,
  }
}

/** Creates the bench users, and times argon2id verification of their password (sequential, in-process). */
async function createUsersAndTimeArgon2(databaseFile: string) {
  const user = await h.createBenchUsers(databaseFile, CREDENTIALS.userPassword, HTTP_CONCURRENCY)
  const { verifyPassword } = await import('../../lib/users/passwords')
  const samples: number[] = []
  for (let i = 0; i < ARGON2_SAMPLES + 2; i += 1) {
    const started = performance.now()
    if (!(await verifyPassword(user.password_hash, CREDENTIALS.userPassword)))
      throw new Error('argon2 verification of the bench user failed')
    if (i >= 2) samples.push(performance.now() - started)
  }
  return h.summarize(samples)
}

export default async function login(bench: h.Bench) {
  const stamp = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${process.pid}`
  const standIn = await h.startStandIn(bench, STAND_IN_PORT, APP_URL, CREDENTIALS)

  const completionDb = h.sqliteFile(bench, `bench-${stamp}.db`)
  bench.log(`[1-2/4] completeLogin() x ${COMPLETIONS} in-process (after ${WARMUP_COMPLETIONS} warm-up), SQLite ${completionDb}`)
  const completion = await measureCompletions(standIn.url, completionDb)
  const { byServer, policyMinusOpenMs: difference, decideAccess: decide } = completion
  const ab = Object.entries(byServer).map(([key, { overheadMs: o }]) => `${key} ${o.p50.toFixed(2)} / ${o.p95.toFixed(2)} ms`)
  bench.log(`  overhead p50 / p95: ${ab.join('; ')}; policy - open ${difference.p50.toFixed(2)} / ${difference.p95.toFixed(2)} ms`)
  bench.log(`  decideAccess() alone: ${AB_SERVERS.map(({ key }) => `${key} ${decide.nsPerCall[key]?.toFixed(1)} ns`).join(', ')} per call`)

  bench.log(`[3/4] ${HTTP_CONCURRENCY} virtual browsers against next start on ${APP_URL}`)
  const httpDb = h.sqliteFile(bench, 'bench-http.db')
  const argon2VerifyMs = await createUsersAndTimeArgon2(httpDb)
  await h.standInStats(standIn.url, true)
  const build = h.requireBuild()
  let memory: ReturnType<typeof h.watchMemory> | undefined
  const env = h.bridgeEnv(BRIDGE_PORT, `file:${httpDb}`, standIn.url, CREDENTIALS)
  const server = await h.startBridge(bench, BRIDGE_PORT, env, (pid) => bench.defer((memory = h.watchMemory(pid)).stop))
  const http = await measureHttp(standIn.url, server.pid)
  const peak = memory!.stop()

  bench.log('[4/4] JavaScript shipped to /login')
  const loginJavaScript = await measureLoginJavaScript(standIn.url).catch((error: unknown) => {
    throw new Error(`${h.errorMessage(error)}${build.rebuilt() ? ' (.next was rebuilt during the run: rerun)' : ''}`)
  })
  await server.stop()
  build.unchanged()
  if (http.errors + http.warmupFailures > 0) bench.log(`server output (tail):\n${server.outputTail()}`)

  const { tokenFetches, ...rest } = completion
  const targetMet = tokenFetches.standIn === 1 && tokenFetches.client === 1
  const { peakTreeRssMb: peakRssMb, peakRootHwmMb: peakHwmMb, childProcesses: serverChildProcesses } = peak
  return {
    ok: !(completion.failures > 0 || http.errors > 0 || http.warmupFailures > 0 || completion.measured === 0 || http.completed === 0),
    completion: rest,
    tokenFetches: { ...tokenFetches, targetMet, httpServer: http.serverTokenFetches },
    http: { ...http, peakRssMb, peakHwmMb, serverChildProcesses, argon2VerifyMs },
    loginJavaScript,
  }
}
