import 'server-only'
import { errorText, logEvent } from './log'

// Graceful shutdown, the in-process half: whether this instance is draining (readiness answers 503
// from then on, so balancers stop sending it logins), the logins in flight it still owes an
// answer, and the hooks (the audit outbox worker, the trace exporter) that flush before it exits.
// The state lives on globalThis: Next.js may load this module once per route bundle.

type Hook = { name: string; run: () => Promise<void> }

interface ShutdownState {
  draining: boolean
  inFlight: number
  waiters: Array<() => void>
  hooks: Hook[]
  drained?: Promise<DrainResult>
}

const KEY = Symbol.for('byoa-bridge.shutdown')

function state(): ShutdownState {
  const holder = globalThis as { [KEY]?: ShutdownState }
  holder[KEY] ??= { draining: false, inFlight: 0, waiters: [], hooks: [] }
  return holder[KEY]
}

export function isDraining(): boolean {
  return state().draining
}

/** Counts `work` (one login's sign-in or completion) as in flight until it settles. */
export async function inFlight<T>(work: () => Promise<T>): Promise<T> {
  const s = state()
  s.inFlight += 1
  try {
    return await work()
  } finally {
    s.inFlight -= 1
    if (s.inFlight === 0) for (const wake of s.waiters.splice(0)) wake()
  }
}

export function inFlightCount(): number {
  return state().inFlight
}

/** Registers something to flush or stop before the process exits (once per name). */
export function onShutdown(name: string, run: () => Promise<void>): void {
  const s = state()
  s.hooks = s.hooks.filter((hook) => hook.name !== name)
  s.hooks.push({ name, run })
}

function idle(timeoutMs: number): Promise<boolean> {
  const s = state()
  if (s.inFlight === 0) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    s.waiters.push(() => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/** What the sequence needs from the process: closing the listener once the logins are done. */
export interface DrainOptions {
  /** Stops accepting connections and resolves when the open requests have ended. */
  stopAccepting?: () => Promise<void>
}

/** Runs `work`, giving up on waiting after `ms` (the work itself goes on). */
function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
    timer.unref()
  })
  return Promise.race([work.then(() => undefined), timeout]).finally(() => clearTimeout(timer))
}

async function runHooks(s: ShutdownState, ms: number): Promise<void> {
  for (const hook of s.hooks) {
    try {
      await bounded(hook.run(), ms)
    } catch (error) {
      logEvent('shutdown_hook_failed', { hook: hook.name, error: errorText(error) })
    }
  }
}

/** At least this long for closing the listener and for each hook, even when the logins took the whole timeout. */
const LAST_STEPS_FLOOR_MS = 1000

async function drainOnce(s: ShutdownState, timeoutMs: number, options: DrainOptions): Promise<DrainResult> {
  const deadline = Date.now() + timeoutMs
  s.draining = true
  logEvent('shutdown_started', { inFlight: s.inFlight, timeoutMs })
  const finished = await idle(timeoutMs)
  const abandoned = s.inFlight
  const remaining = () => Math.max(deadline - Date.now(), LAST_STEPS_FLOOR_MS)
  if (options.stopAccepting) {
    try {
      await bounded(options.stopAccepting(), remaining())
    } catch (error) {
      logEvent('shutdown_hook_failed', { hook: 'listener', error: errorText(error) })
    }
  }
  await runHooks(s, remaining())
  logEvent('shutdown_finished', { finished, abandoned })
  return { finished, abandoned }
}

export interface DrainResult {
  /** False when logins were still in flight at the timeout. */
  finished: boolean
  abandoned: number
}

/**
 * Marks the instance draining (readiness answers 503 from now on), waits up to `timeoutMs` for the
 * logins in flight, stops accepting connections, then runs every hook (each bounded by what is left
 * of the timeout, at least a second). Resolves when it is safe to exit. A second call (a second
 * signal) gets the same answer; nothing runs twice.
 */
export function drain(timeoutMs: number, options: DrainOptions = {}): Promise<DrainResult> {
  const s = state()
  s.drained ??= drainOnce(s, timeoutMs, options)
  return s.drained
}
