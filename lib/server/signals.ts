import 'server-only'
import { Server } from 'node:http'
import { drain } from './shutdown'
import { logEvent } from './log'

// SIGTERM (an orchestrator stopping the instance) and SIGINT (Ctrl-C) start the graceful shutdown
// of lib/server/shutdown.ts and end the process with code 0.
//
// A seam into Next.js, written against next 16.4.6 (next/dist/server/lib/start-server.js): unless
// NEXT_MANUAL_SIG_HANDLE is set, its start-up installs its own handler on both signals, which
// closes the listener at once and exits with 143 (SIGTERM) or 130 (SIGINT), logins in flight or
// not. instrumentation.ts runs after that, so the bridge removes those handlers here and installs
// its own. Next.js keeps its http.Server to itself; it is found among the process's open handles.
// e2e/shutdown.spec.ts fails the day either stops working (exit code, `shutdown_listener_closed`).

const SIGNALS = ['SIGTERM', 'SIGINT'] as const
const INSTALLED = Symbol.for('byoa-bridge.shutdown-signals')

function openServers(): Server[] {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? []
  return handles.filter((handle): handle is Server => handle instanceof Server && handle.listening)
}

/** Stops accepting connections, lets the open requests end (idle keep-alive connections close at once). */
async function closeListeners(): Promise<void> {
  const servers = openServers()
  if (servers.length === 0) {
    logEvent('shutdown_listener_not_found')
    return
  }
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
        }),
    ),
  )
  logEvent('shutdown_listener_closed', { listeners: servers.length })
}

async function shutDown(signal: string, timeoutMs: number): Promise<void> {
  logEvent('shutdown_signal', { signal })
  const result = await drain(timeoutMs, { stopAccepting: closeListeners })
  // Connections still open past the timeout (a stuck upstream) are cut by the exit.
  process.exit(result.finished ? 0 : 1)
}

/** Installs the bridge's handler on SIGTERM and SIGINT, once per process. */
export function handleShutdownSignals(timeoutMs: number): void {
  const holder = globalThis as { [INSTALLED]?: boolean }
  if (holder[INSTALLED]) return
  holder[INSTALLED] = true
  for (const signal of SIGNALS) {
    if (!process.env.NEXT_MANUAL_SIG_HANDLE) process.removeAllListeners(signal)
    process.on(signal, () => void shutDown(signal, timeoutMs))
  }
}
