import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { bridgeEnv } from './config'

// Starts another bridge on the same build with a different configuration (a short TTL, a wrong
// secret...), or the standalone server the container image runs. Stopped by its own PID; `next start`
// is run with node directly so no child survives.

export interface RunningBridge {
  url: string
  output(): string
  stop(): Promise<void>
  /** Sends `signal` and resolves with the exit code once the process has ended. */
  signal(signal: NodeJS.Signals): Promise<number | null>
}

export interface BridgeOptions {
  /** Runs what the container image runs, `node .next/standalone/server.js`, instead of `next start`. */
  standalone?: boolean
}

// The standalone server changes its working directory to .next/standalone, so a relative SQLite
// path is made absolute: it must be the suite's database.
function absoluteDatabaseUrl(url: string | undefined): string | undefined {
  return url?.startsWith('file:') && !path.isAbsolute(url.slice(5)) ? `file:${path.resolve(url.slice(5))}` : url
}

function spawnBridge(
  port: number,
  env: Record<string, string>,
  options: BridgeOptions = {},
): { child: ChildProcess; output: () => string } {
  const args = options.standalone
    ? ['.next/standalone/server.js']
    : ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', '127.0.0.1']
  const extra = options.standalone ? { HOSTNAME: '127.0.0.1', DATABASE_URL: absoluteDatabaseUrl(env.DATABASE_URL) ?? '' } : {}
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, PORT: String(port), ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  // Kept for the scan of the run's logs for secrets (e2e/tools/scan-logs.ts), when npm test asks.
  const logFile = process.env.E2E_LOG_DIR ? path.join(process.env.E2E_LOG_DIR, `bridge-${port}.log`) : null
  const keep = (chunk: unknown) => {
    output += String(chunk)
    if (logFile) fs.appendFileSync(logFile, String(chunk))
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return { child, output: () => output }
}

export async function startBridge(
  port: number,
  overrides: Record<string, string> = {},
  options: BridgeOptions = {},
): Promise<RunningBridge> {
  const url = `http://localhost:${port}`
  const { child, output } = spawnBridge(port, bridgeEnv({ APP_URL: url, ...overrides }), options)
  const signal = (name: NodeJS.Signals) =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
      child.once('exit', (code) => resolve(code))
      child.kill(name)
    })
  const stop = async () => void (await signal('SIGTERM'))
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`bridge on ${port} exited: ${output()}`)
    try {
      const response = await fetch(`${url}/api/health`)
      if (response.ok) return { url, output, stop, signal }
    } catch {
      // Not listening yet.
    }
    // The pause between two health checks of a poll that ends when the bridge answers.
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  await stop()
  throw new Error(`bridge on ${port} did not start: ${output()}`)
}

/** Runs `use` against a bridge configured with `overrides`, and always stops it. */
export async function withBridge<T>(
  port: number,
  overrides: Record<string, string>,
  use: (bridge: RunningBridge) => Promise<T>,
  options: BridgeOptions = {},
): Promise<T> {
  const bridge = await startBridge(port, overrides, options)
  try {
    return await use(bridge)
  } finally {
    await bridge.stop()
  }
}

/** Runs a misconfigured bridge and returns how it ended. */
export function runBridgeExpectingExit(port: number, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { child, output } = spawnBridge(port, env)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`bridge kept running: ${output()}`))
    }, 30_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output: output() })
    })
  })
}
