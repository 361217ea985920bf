import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { CookieJar, round, signInFormHiddenInputs, type Summary } from './support'
import type { Stats as StandInStats } from '../e2e/stand-in/stand-in-store'
import { startScalekitStandIn } from '../e2e/stand-in/scalekit'

// What the benchmarks share: bounded settings, the machine's description, the build id, a real
// `next start` (spawned and stopped by its own PID), the stand-in's control API, the bench user's
// database, and one login driven over plain HTTP the way a browser without JavaScript does it.

export const ROOT = path.resolve(__dirname, '..')

/** A whole-number setting from the environment, refused outside [min, max]. */
export function boundedSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`)
  return value
}

export function machine() {
  const cpus = os.cpus()
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  }
}

export type Machine = ReturnType<typeof machine>

/** The 1-minute load average, to read the numbers against what else ran on the machine. */
export const loadAverage = () => round(os.loadavg()[0] ?? NaN, 2)

/** The id of the build `next start` serves; a rebuild during the run makes the numbers meaningless. */
export function buildId(): string | null {
  try {
    return fs.readFileSync(path.join(ROOT, '.next', 'BUILD_ID'), 'utf8').trim()
  } catch {
    return null
  }
}

export function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true })
}

export interface RunningServer {
  child: ChildProcess
  pid: number
  url: string
  stop(): Promise<void>
  outputTail(): string
}

/**
 * `next start` as a child of this process (node_modules/next/dist/bin/next, never through npx), so
 * it can be stopped by its own PID. `-H localhost` (127.0.0.1 here), not `-H 127.0.0.1`: Next builds
 * its own origin from the -H name, and with 127.0.0.1 every NextResponse.rewrite in proxy.ts (the
 * problem pages) loops on itself.
 */
export function startBridgeServer(port: number, env: Record<string, string>): RunningServer {
  const child = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', 'localhost'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (child.pid === undefined) throw new Error('could not spawn next start')
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.once('exit', () => {
        clearTimeout(force)
        resolve()
      })
      child.kill('SIGTERM')
    })
  // Server lines are JSON events with hashed ids only; still, show just the tail, and only on failure.
  const outputTail = () => output.split('\n').slice(-15).join('\n')
  return { child, pid: child.pid, url: `http://localhost:${port}`, stop, outputTail }
}

export async function waitForHealth(server: RunningServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`next start exited (${server.child.exitCode}):\n${server.outputTail()}`)
    try {
      const response = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(2000) })
      await response.arrayBuffer()
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`next start did not answer /api/health within ${timeoutMs / 1000} s:\n${server.outputTail()}`)
}

export interface StandInLoginRequest {
  loginRequestId: string
  state: string
  loginUrl: string
}

export async function createLoginRequest(standInUrl: string, timeoutMs: number): Promise<StandInLoginRequest> {
  const response = await fetch(`${standInUrl}/_standin/login-requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    signal: AbortSignal.timeout(timeoutMs),
  })
  if (response.status !== 201) throw new Error(`stand-in refused to create a login request: ${response.status}`)
  return (await response.json()) as StandInLoginRequest
}

export type { StandInStats }

export async function standInStats(standInUrl: string, timeoutMs: number, reset = false): Promise<StandInStats> {
  const response = await fetch(`${standInUrl}/_standin/stats${reset ? '/reset' : ''}`, {
    method: reset ? 'POST' : 'GET',
    signal: AbortSignal.timeout(timeoutMs),
  })
  if (!response.ok) throw new Error(`stand-in stats: ${response.status}`)
  return (await response.json()) as StandInStats
}

export function partnerCallbackUrl(standInUrl: string, connectionId: string, state: string): string {
  return `${standInUrl}/sso/v1/connections/${encodeURIComponent(connectionId)}/partner:callback?state=${encodeURIComponent(state)}`
}

/** Per-run credentials shared by the stand-in and the bridge; nothing prints them. */
export interface BenchCredentials {
  clientId: string
  clientSecret: string
  connectionId: string
  sessionSecret: string
  authSecret: string
  userPassword: string
}

/** The Scalekit stand-in in the benchmark's own process, on loopback, knowing this run's credentials. */
export function startBenchStandIn(options: { port: number; bridgeLoginUrl: string; credentials: Pick<BenchCredentials, 'clientId' | 'clientSecret' | 'connectionId'>; resourceUrl: string }) {
  return startScalekitStandIn({
    port: options.port,
    host: '127.0.0.1',
    bridgeLoginUrl: options.bridgeLoginUrl,
    clientId: options.credentials.clientId,
    clientSecret: options.credentials.clientSecret,
    connectionId: options.credentials.connectionId,
    resourceId: 'res_bench00000001',
    resourceUrl: options.resourceUrl,
  })
}

export function generateCredentials(): BenchCredentials {
  return {
    clientId: `skc_bench_${randomBytes(6).toString('hex')}`,
    clientSecret: randomBytes(32).toString('base64url'),
    connectionId: `conn_bench${randomBytes(6).toString('hex')}`,
    sessionSecret: randomBytes(32).toString('base64url'),
    authSecret: randomBytes(32).toString('base64url'),
    userPassword: `Bench-${randomBytes(18).toString('base64url')}`,
  }
}

export const BENCH_USER = { email: 'bench.user@example.com', name: 'Bench User' }

/**
 * The i-th bench user (0 is BENCH_USER). Concurrent virtual browsers each sign in as their own
 * person, as real people do: one account's parallel sign-ins are held to its throttle allowance.
 */
export function benchUser(index: number): { email: string; name: string } {
  return index === 0 ? BENCH_USER : { email: `bench.user+${index}@example.com`, name: `Bench User ${index}` }
}

/** The environment of a bridge with the local directory alone, talking to the stand-in. */
export function bridgeEnv(options: {
  port: number
  databaseUrl: string
  standInUrl: string
  credentials: BenchCredentials
  ttlSeconds: number
}): Record<string, string> {
  const { credentials } = options
  return {
    APP_URL: `http://localhost:${options.port}`,
    SCALEKIT_ENVIRONMENT_URL: options.standInUrl,
    SCALEKIT_CLIENT_ID: credentials.clientId,
    SCALEKIT_CLIENT_SECRET: credentials.clientSecret,
    SCALEKIT_CONNECTION_ID: credentials.connectionId,
    SESSION_SECRET: credentials.sessionSecret,
    AUTH_SECRET: credentials.authSecret,
    DATABASE_URL: options.databaseUrl,
    AUTH_TRUST_HOST: 'true',
    LOGIN_REQUEST_TTL_SECONDS: String(options.ttlSeconds),
    SCALEKIT_TIMEOUT_MS: '5000',
    PORT: String(options.port),
    NEXT_TELEMETRY_DISABLED: '1',
    // The benchmarks run with the react-server condition; the server must not inherit it.
    NODE_OPTIONS: '',
  }
}

/** A fresh, migrated SQLite file holding `count` bench users (local directory, argon2id hashes); returns the first. */
export async function createBenchUser(databaseFile: string, password: string, count = 1) {
  removeDatabase(databaseFile)
  const [{ openDatabase, migrateToLatest }, { addUser }] = await Promise.all([import('../lib/db'), import('../lib/users/directory')])
  const handle = await openDatabase(`file:${databaseFile}`)
  try {
    await migrateToLatest(handle)
    const first = await addUser(handle.db, { ...benchUser(0), password })
    for (let i = 1; i < count; i += 1) await addUser(handle.db, { ...benchUser(i), password })
    return first
  } finally {
    await handle.db.destroy()
  }
}

export interface LoginTarget {
  appUrl: string
  standInUrl: string
  connectionId: string
  email: string
  password: string
  timeoutMs: number
}

export interface LoginAttempt {
  /** The sign-in POST answered 303 to exactly the stand-in's partner:callback for this state. */
  ok: boolean
  error?: string
  /** The stand-in's login request, once created. */
  request: StandInLoginRequest | null
  /** Whether GET /login was sent, so the bridge may have recorded the request. */
  reachedBridge: boolean
  postStatus: number | null
  location: string | null
  jar: CookieJar
  getMs: number
  postMs: number
  totalMs: number
}

/**
 * One person in a fresh browser profile without JavaScript: a new login request at the stand-in,
 * GET the link, POST the server-action sign-in form as multipart, expect the 303 to partner:callback.
 */
export async function browserLogin(target: LoginTarget): Promise<LoginAttempt> {
  const started = performance.now()
  const attempt: LoginAttempt = {
    ok: false,
    request: null,
    reachedBridge: false,
    postStatus: null,
    location: null,
    jar: new CookieJar(),
    getMs: NaN,
    postMs: NaN,
    totalMs: NaN,
  }
  const fail = (error: string): LoginAttempt => ({ ...attempt, error, totalMs: performance.now() - started })
  try {
    const request = await createLoginRequest(target.standInUrl, target.timeoutMs)
    attempt.request = request
    if (!request.loginUrl.startsWith(`${target.appUrl}/login?`)) return fail('stand-in login URL does not point at the bridge')
    const { jar } = attempt

    const getStarted = performance.now()
    attempt.reachedBridge = true
    const page = await fetch(request.loginUrl, { redirect: 'manual', signal: AbortSignal.timeout(target.timeoutMs) })
    const html = await page.text()
    attempt.getMs = performance.now() - getStarted
    jar.store(page)
    if (page.status !== 200) return fail(`GET /login answered ${page.status}`)
    if (!jar.has('byoa_login')) return fail('GET /login set no byoa_login cookie')
    const hidden = signInFormHiddenInputs(html)
    if (!hidden) return fail('no sign-in form in the page')
    if (!hidden.some(([name]) => name.startsWith('$ACTION_'))) return fail('the sign-in form has no server-action fields')

    const form = new FormData()
    for (const [name, value] of hidden) form.append(name, value)
    form.append('email', target.email)
    form.append('password', target.password)

    const postStarted = performance.now()
    const post = await fetch(request.loginUrl, {
      method: 'POST',
      body: form,
      redirect: 'manual',
      headers: { cookie: jar.header(), origin: target.appUrl, 'sec-fetch-site': 'same-origin' },
      signal: AbortSignal.timeout(target.timeoutMs),
    })
    await post.arrayBuffer()
    attempt.postMs = performance.now() - postStarted
    jar.store(post)
    attempt.postStatus = post.status
    attempt.location = post.headers.get('location')
    if (post.status !== 303) return fail(`POST /login answered ${post.status}, not 303`)
    if (attempt.location !== partnerCallbackUrl(target.standInUrl, target.connectionId, request.state)) {
      return fail(`POST /login redirected to ${attempt.location?.split('?')[0] ?? 'nowhere'} instead of partner:callback`)
    }
    return { ...attempt, ok: true, totalMs: performance.now() - started }
  } catch (error) {
    return fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error))
  }
}

export const ms = (value: number) => (Number.isFinite(value) ? `${round(value, 2).toFixed(2)} ms` : 'n/a')

export function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n')
}

export function roundSummary(summary: Summary) {
  return {
    count: summary.count,
    p50: round(summary.p50, 3),
    p95: round(summary.p95, 3),
    p99: round(summary.p99, 3),
    max: round(summary.max, 3),
    mean: round(summary.mean, 3),
  }
}

/**
 * What a benchmark started, stopped newest first at the end or on Ctrl+C / SIGTERM, so no
 * server or temporary database outlives the run.
 */
export function cleanupOnExit() {
  const cleanups: Array<() => Promise<void> | void> = []
  const cleanup = async () => {
    while (cleanups.length) {
      try {
        await cleanups.pop()?.()
      } catch {
        // Keep stopping the rest.
      }
    }
  }
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return { cleanups, cleanup }
}

/** Runs a benchmark's main and exits with its code; a throw is reported in one line and exits 1. */
export function runBenchmark(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`)
      process.exit(1)
    },
  )
}
