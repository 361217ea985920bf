import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { startScalekitStandIn } from '../e2e/stand-in/scalekit'
import type { Stats as StandInStats } from '../e2e/stand-in/stand-in-store'

// What every scenario shares. lib/ is imported lazily only: lib/env.ts reads process.env once, and a scenario may set it.

export const ROOT = path.resolve(__dirname, '..')
export const REQUEST_TIMEOUT_MS = 15_000
const SERVER_START_TIMEOUT_MS = 60_000
export const TTL_SECONDS = 600

/** A whole-number setting from the environment, refused outside [min, max]. */
export function setting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`)
  return value
}

/** From the runner: `defer` a stop to the end (newest first, also on Ctrl+C; the returned function runs it now, once), and `log`. */
export type Bench = { defer(stop: () => Promise<unknown> | unknown): () => Promise<void>; log(line: string): void }

/** Nearest-rank percentiles (no interpolation), in the unit of the samples. */
export function summarize(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
  const mean = sorted.length ? sorted.reduce((sum, value) => sum + value, 0) / sorted.length : NaN
  return { count: sorted.length, mean, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted.at(-1) ?? NaN }
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits
export const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error))
export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** The 1-minute load average, to read the numbers against what else ran on the machine. */
export const loadAverage = () => round(os.loadavg()[0] ?? NaN, 2)

export const machine = () => ({
  cores: os.cpus().length,
  cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
  memoryGb: round(os.totalmem() / 1024 ** 3, 1),
  node: process.version,
  os: `${os.type()} ${os.release()}`,
})

/** Exits with the work's code (0 when it gives none), or 1 after a one-line reason. */
export const exitWhenDone = (work: Promise<number | void>, what: string) =>
  work.then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      console.error(`${what} failed: ${errorMessage(error)}`)
      process.exit(1)
    },
  )

/** The build `next start` serves, which must not change under the measurement. */
export function requireBuild() {
  const read = () => readText(path.join(ROOT, '.next', 'BUILD_ID'))?.trim() ?? null
  const id = read()
  if (!id) throw new Error('no production build in .next (BUILD_ID missing): build first, or wait for a build in progress to finish')
  const rebuilt = () => read() !== id
  const unchanged = () => {
    if (rebuilt()) throw new Error('.next was rebuilt during the run, so the server changed underneath the measurement: rerun')
  }
  return { rebuilt, unchanged }
}

function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true })
}

/** A fresh SQLite file .data/<name> (relative to the root, the working directory), removed at the end unless BENCH_KEEP_DB=1. */
export function sqliteFile(bench: Bench, name: string): string {
  const file = path.join('.data', name)
  removeDatabase(file)
  if (process.env.BENCH_KEEP_DB !== '1') bench.defer(() => removeDatabase(file))
  return file
}

/**
 * `next start` as a child (not through npx, so it stops by its own PID), once it answers /api/health (asked every `pollMs`).
 * `-H localhost`: Next builds its origin from the -H name, and with 127.0.0.1 every NextResponse.rewrite in proxy.ts loops on itself.
 */
export async function startBridge(bench: Bench, port: number, env: Record<string, string>, onSpawn?: (pid: number) => void, pollMs = 200) {
  // BENCH_CPU_PROF_DIR: the server writes a V8 CPU profile there when it stops (read it with bench/profile-summary.ts).
  const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF_DIR)}`] : []
  // BENCH_NODE_FLAGS: V8 and Node.js flags for the server (e.g. --max-semi-space-size=64), to measure a tuning.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)
  const args = [...flags, ...profile, 'node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', 'localhost']
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid === undefined) throw new Error('could not spawn next start')
  onSpawn?.(child.pid)
  let output = ''
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-8000))
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = () => child.exitCode !== null || child.signalCode !== null
  const stop = bench.defer(async () => {
    if (exited()) return
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'))
    clearTimeout(force)
  })
  // The server's last lines (JSON events with hashed ids only), shown on failure.
  const outputTail = () => output.split('\n').slice(-15).join('\n')
  const bridge = { pid: child.pid, url: `http://localhost:${port}`, exited, stop, outputTail }
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`next start exited (${child.exitCode}):\n${bridge.outputTail()}`)
    const health = fetch(`${bridge.url}/api/health`, { signal: AbortSignal.timeout(2000) })
    if (await health.then(async (response) => (await response.arrayBuffer(), response.ok)).catch(() => false)) return bridge // false: not listening yet
    await sleep(pollMs)
  }
  throw new Error(`next start did not answer /api/health within ${SERVER_START_TIMEOUT_MS / 1000} s:\n${bridge.outputTail()}`)
}

export type Bridge = Awaited<ReturnType<typeof startBridge>>

/** Per-run credentials shared by the stand-in and the bridges; nothing prints them. */
export function generateCredentials() {
  const secret = (bytes: number) => randomBytes(bytes).toString('base64url')
  const id = () => randomBytes(6).toString('hex')
  return {
    clientId: `skc_bench_${id()}`,
    clientSecret: secret(32),
    connectionId: `conn_bench${id()}`,
    sessionSecret: secret(32),
    authSecret: secret(32),
    userPassword: `Bench-${secret(18)}`,
  }
}

export type Credentials = ReturnType<typeof generateCredentials>

/** The environment of a bridge talking to the stand-in (with the local directory alone, unless `extra` says otherwise). */
export function bridgeEnv(port: number, dbUrl: string, standInUrl: string, credentials: Credentials, extra: Record<string, string> = {}) {
  return {
    APP_URL: `http://localhost:${port}`,
    PORT: String(port),
    DATABASE_URL: dbUrl,
    SCALEKIT_ENVIRONMENT_URL: standInUrl,
    SCALEKIT_CLIENT_ID: credentials.clientId,
    SCALEKIT_CLIENT_SECRET: credentials.clientSecret,
    SCALEKIT_CONNECTION_ID: credentials.connectionId,
    SESSION_SECRET: credentials.sessionSecret,
    AUTH_SECRET: credentials.authSecret,
    // Every virtual browser comes from 127.0.0.1, far past the per-address limit of a real network.
    NEW_LOGIN_REQUESTS_PER_ADDRESS: '1000000',
    // Throughput with every sign-in checked, as before the cap; shedding at the default (2) is an e2e case.
    PASSWORD_CHECK_CONCURRENCY: '64',
    LOGIN_REQUEST_TTL_SECONDS: String(TTL_SECONDS),
    SCALEKIT_TIMEOUT_MS: '5000',
    NEXT_TELEMETRY_DISABLED: '1',
    // The benchmarks run with the react-server condition; the server must not inherit it.
    NODE_OPTIONS: '',
    ...extra,
  }
}

/**
 * The usual set-up of a login benchmark: the stand-in in this process, a migrated SQLite file
 * `<name>.db` with `users` bench users, and `next start` on `port` against both.
 */
export async function startLoginBench(
  bench: Bench,
  ports: { bridge: number; standIn: number },
  name: string,
  users: number,
  credentials: Credentials,
) {
  const scalekit = await startStandIn(bench, ports.standIn, `http://localhost:${ports.bridge}`, credentials)
  const databaseFile = sqliteFile(bench, `${name}.db`)
  await createBenchUsers(databaseFile, credentials.userPassword, users)
  const server = await startBridge(bench, ports.bridge, bridgeEnv(ports.bridge, `file:${databaseFile}`, scalekit.url, credentials))
  return { scalekit, databaseFile, server }
}

/** The Scalekit stand-in in this process, on loopback, knowing this run's credentials. */
export async function startStandIn(bench: Bench, port: number, bridgeUrl: string, { clientId, clientSecret, connectionId }: Credentials) {
  const options = { port, host: '127.0.0.1', bridgeLoginUrl: `${bridgeUrl}/login`, clientId, clientSecret, connectionId }
  const standIn = await startScalekitStandIn({ ...options, resourceId: 'res_bench00000001', resourceUrl: 'http://localhost:4299/mcp' })
  bench.defer(() => standIn.close())
  return standIn
}

/** The stand-in's control API. */
export async function standIn<T>(standInUrl: string, method: 'GET' | 'POST', route: string, body?: object): Promise<T> {
  const json = body && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
  const response = await fetch(`${standInUrl}/_standin/${route}`, { method, ...json, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  if (!response.ok) throw new Error(`stand-in ${method} ${route.split('/')[0]}: ${response.status}`)
  return (await response.json()) as T
}

export const standInStats = (url: string, reset = false) =>
  standIn<StandInStats>(url, reset ? 'POST' : 'GET', reset ? 'stats/reset' : 'stats')
/** A login request at the stand-in, on its own connection unless `connectionId` names another (each MCP server has one). */
export const createLoginRequest = (url: string, connectionId?: string) =>
  standIn<{ loginRequestId: string; state: string; loginUrl: string }>(url, 'POST', 'login-requests', connectionId ? { connectionId } : {})
export const loginRequestRecord = <T>(url: string, id: string) => standIn<T>(url, 'GET', `login-requests/${encodeURIComponent(id)}`)

/** The i-th bench user: concurrent virtual browsers each sign in as their own person, as one account's sign-ins are throttled. */
export const benchUser = (index: number) =>
  index === 0
    ? { email: 'bench.user@example.com', name: 'Bench User' }
    : { email: `bench.user+${index}@example.com`, name: `Bench User ${index}` }

/** Migrates an empty SQLite file and adds `count` bench users (local directory, argon2id hashes); returns the first. */
export async function createBenchUsers(databaseFile: string, password: string, count: number) {
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

/** Runs statements on PostgreSQL at `url`; the reason to skip instead when no server answers there. */
async function onPostgres(url: string, statements: string[]): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => {})
    return `no PostgreSQL server answers at ${new URL(url).host} (${errorText(error)}; set BENCH_POSTGRES_URL)`
  }
  try {
    for (const statement of statements) await client.query(statement)
    return null
  } finally {
    await client.end()
  }
}

/** An empty PostgreSQL database `name`, made through `serverUrl`, and how to drop it; or the reason to skip. */
export async function freshPostgres(serverUrl: string, name: string): Promise<{ url: string; drop(): Promise<unknown> } | string> {
  const skipped = await onPostgres(serverUrl, [`drop database if exists ${name} with (force)`, `create database ${name}`])
  if (skipped) return skipped
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => onPostgres(serverUrl, [`drop database if exists ${name} with (force)`]) }
}

/**
 * The database a scenario runs one engine on: a fresh SQLite file `sqliteName` in .data, or the
 * fresh PostgreSQL database `postgresUrl` names (made through the server's `postgres` database),
 * each removed when the bench ends; or why PostgreSQL is skipped.
 */
export async function engineDatabase(
  bench: Bench,
  engine: 'SQLite' | 'PostgreSQL',
  names: { sqliteName: string; postgresUrl: string },
): Promise<{ url: string } | { skipped: string }> {
  if (engine === 'SQLite') return { url: `file:${sqliteFile(bench, names.sqliteName)}` }
  const server = new URL(names.postgresUrl)
  server.pathname = '/postgres'
  const postgres = await freshPostgres(server.toString(), new URL(names.postgresUrl).pathname.slice(1))
  if (typeof postgres === 'string') return { skipped: postgres }
  bench.defer(() => postgres.drop())
  return { url: postgres.url }
}

/** What `read` returns, or `fallback` when it throws (a /proc file once its process is gone, text that is not JSON). */
export function orElse<T>(read: () => T, fallback: T): T {
  try {
    return read()
  } catch {
    return fallback
  }
}
const readText = (file: string) => orElse<string | null>(() => fs.readFileSync(file, 'utf8'), null)
const proc = (file: string) => readText(`/proc/${file}`)

/** User + system CPU time of a process in milliseconds, from /proc/<pid>/stat; NaN once it is gone. */
export function cpuTimeMs(pid: number, ticksPerSecond = 100): number {
  const stat = proc(`${pid}/stat`)
  // The command name may contain spaces: fields are counted after its closing parenthesis.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ') ?? []
  return ((Number(fields[11] ?? NaN) + Number(fields[12] ?? NaN)) * 1000) / ticksPerSecond
}

/** System (kernel) CPU time of a process in milliseconds, from /proc/<pid>/stat; NaN once it is gone. */
export function systemCpuMs(pid: number, ticksPerSecond = 100): number {
  const stat = proc(`${pid}/stat`)
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ') ?? []
  return (Number(fields[12] ?? NaN) * 1000) / ticksPerSecond
}

/** Direct children of a process (Linux, CONFIG_PROC_CHILDREN); empty when unknown. */
function childPids(pid: number): number[] {
  const tasks = orElse<string[]>(() => fs.readdirSync(`/proc/${pid}/task`), [])
  return tasks.flatMap((task) => (proc(`${pid}/task/${task}/children`) ?? '').trim().split(/\s+/).filter(Boolean).map(Number))
}

/** CPU time of a process and its children so far, in ms; a process gone between two readings counts 0. */
export const treeCpuMs = (pid: number) =>
  [pid, ...childPids(pid)]
    .map((each) => cpuTimeMs(each))
    .filter(Number.isFinite)
    .reduce((sum, ms) => sum + ms, 0)

/** The main thread's time on a CPU and runnable but waiting for one (on a shared machine), in ms; null when unavailable. */
export function schedStat(pid: number): { runMs: number; waitMs: number } | null {
  const [run, wait] = (proc(`${pid}/schedstat`) ?? '').trim().split(/\s+/).map(Number)
  return run === undefined || wait === undefined || !Number.isFinite(run) || !Number.isFinite(wait)
    ? null
    : { runMs: run / 1e6, waitMs: wait / 1e6 }
}

/** Polls a process tree's memory every `intervalMs`: the peak of the summed VmRSS, and the root's VmHWM (peak RSS). */
export function watchMemory(rootPid: number, intervalMs = 100) {
  let peakTreeRssKb = 0
  let peakRootHwmKb = 0
  const seenChildren = new Set<number>()
  const sample = () => {
    let tree = 0
    for (const pid of [rootPid, ...childPids(rootPid)]) {
      if (pid !== rootPid) seenChildren.add(pid)
      const status = proc(`${pid}/status`)
      if (status === null) continue
      const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
      tree += field('VmRSS')
      if (pid === rootPid) peakRootHwmKb = Math.max(peakRootHwmKb, field('VmHWM'))
    }
    if (tree > 0) peakTreeRssKb = Math.max(peakTreeRssKb, tree)
  }
  sample()
  const timer = setInterval(sample, intervalMs).unref()
  return {
    stop() {
      clearInterval(timer)
      sample()
      return { peakTreeRssMb: peakTreeRssKb / 1024, peakRootHwmMb: peakRootHwmKb / 1024, childProcesses: seenChildren.size }
    },
  }
}
