import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { closeHttpServer, isLoopbackHost, isPlainObject, sendJson } from '../stand-in/http-helpers'

/** Every upstream binds to `localhost`, the host its URLs name, so browsers and Node agree. */
const UPSTREAM_HOST = 'localhost'

/** Resolves with the bound port, which is the real one when `port` is 0. */
export function listenOnLoopback(server: Server, port: number, host: string = UPSTREAM_HOST): Promise<number> {
  if (!isLoopbackHost(host)) return Promise.reject(new Error(`upstreams only listen on loopback hosts, not ${host}`))
  if (!Number.isInteger(port) || port < 0) return Promise.reject(new Error(`port must be a non-negative integer, not ${port}`))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
}

/**
 * Waits `ms`, or less when the client goes away first, so a slow fault never keeps a closed
 * server's process alive. Resolves false when the response can no longer be written.
 */
export function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      res.off('close', onClose)
      resolve(true)
    }, ms)
    res.once('close', onClose)
  })
}

export function parseCookieHeader(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const pair of (header ?? '').split(';')) {
    const separator = pair.indexOf('=')
    if (separator <= 0) continue
    cookies.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim())
  }
  return cookies
}

const DEFAULT_FAULT_DELAY_MS = 10_000

export interface FaultSetting<Mode extends string> {
  mode: Mode
  delayMs: number
}

/** Reads `{ mode, delayMs? }` from a control request; undefined when it names no known mode. */
export function parseFaultSetting<Mode extends string>(body: unknown, modes: readonly Mode[]): FaultSetting<Mode> | undefined {
  if (!isPlainObject(body)) return undefined
  const mode = modes.find((known) => known === body.mode)
  const delayMs = body.delayMs ?? DEFAULT_FAULT_DELAY_MS
  if (!mode || typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) return undefined
  return { mode, delayMs }
}

/**
 * A JSON upstream on loopback: `route` answers each request, and a request it fails on gets a
 * 500 naming `name` (or, once headers are out, a closed connection).
 */
export async function startUpstreamServer(
  name: string,
  port: number,
  route: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: `${name} internal error` })
      else res.destroy()
    })
  })
  const bound = await listenOnLoopback(server, port)
  return { url: `http://${UPSTREAM_HOST}:${bound}`, close: () => closeHttpServer(server) }
}

export function noFault<Mode extends string>(): FaultSetting<Mode> {
  return { mode: 'none' as Mode, delayMs: 0 }
}
