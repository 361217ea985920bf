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

/**
 * Marks the instance draining, waits up to `timeoutMs` for the logins in flight, then runs every
 * hook (each bounded by the same timeout). Resolves when it is safe to exit.
 */
export async function drain(timeoutMs: number): Promise<{ finished: boolean; abandoned: number }> {
  const s = state()
  s.draining = true
  logEvent('shutdown_started', { inFlight: s.inFlight })
  const finished = await idle(timeoutMs)
  const abandoned = s.inFlight
  for (const hook of s.hooks) {
    try {
      await Promise.race([hook.run(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())])
    } catch (error) {
      logEvent('shutdown_hook_failed', { hook: hook.name, error: errorText(error) })
    }
  }
  logEvent('shutdown_finished', { finished, abandoned })
  return { finished, abandoned }
}
