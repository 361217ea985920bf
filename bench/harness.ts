import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { round, type Summary } from './support'

// What bench/login.ts and bench/sources.ts share: bounded settings, the machine's description, the
// build id, a real `next start` (spawned and stopped by its own PID) and the stand-in's control API.

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

export function partnerCallbackUrl(standInUrl: string, connectionId: string, state: string): string {
  return `${standInUrl}/sso/v1/connections/${encodeURIComponent(connectionId)}/partner:callback?state=${encodeURIComponent(state)}`
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
