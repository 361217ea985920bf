import { randomBytes } from 'node:crypto'
import http from 'node:http'

/**
 * The request header that carries the TCP peer's address, stamped by stampPeerAddresses at start-up.
 * Its name is random per process, so no client can send it, even where the stamp does not run.
 * Kept on globalThis: Next.js bundles this module more than once in one server process.
 */
const HEADER_KEY = Symbol.for('byoa-bridge.peer-address-header')
const shared = globalThis as typeof globalThis & { [HEADER_KEY]?: string }
export const PEER_ADDRESS_HEADER: string = (shared[HEADER_KEY] ??= `x-bridge-peer-${randomBytes(12).toString('hex')}`)

/**
 * The client's address: the TCP peer, or behind `hops` trusted proxies (TRUSTED_PROXY_HOPS), the
 * entry of X-Forwarded-For that the farthest trusted proxy appended. Entries further left were
 * written by the client and are never trusted; with fewer entries than hops, the peer is kept.
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, hops: number): string {
  const normalized = peer.replace(/^::ffff:/, '')
  if (hops <= 0 || !forwardedFor) return normalized
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  const candidate = entries[entries.length - hops]
  if (!candidate || !/^[0-9A-Fa-f:.]{2,45}$/.test(candidate)) return normalized
  return candidate.replace(/^::ffff:/, '')
}

/**
 * Next.js exposes no socket address to pages, and keeps an X-Forwarded-For that the client sent
 * itself. The ledger needs an address the client cannot choose, so every request gets the TCP
 * peer's address in a header of ours, overwriting any value the client sent. Behind proxies the
 * deployment names (TRUSTED_PROXY_HOPS), the address those proxies saw is taken instead.
 *
 * A seam into Node's http.Server, written against Node 20 and Next.js 16.4, whose `next start` and
 * standalone server both emit 'request' on an http.Server. peer-address.test.ts fails if Node stops
 * dispatching that way; /api/ready reports requests that arrive without the stamp (Next.js).
 */
export function stampPeerAddresses(hops: number): void {
  const prototype = http.Server.prototype as unknown as { emit: (event: string, ...args: unknown[]) => boolean; __peerStamped?: boolean }
  if (prototype.__peerStamped) return
  const emit = prototype.emit
  prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
    if (event === 'request') {
      const request = args[0] as http.IncomingMessage
      request.headers[PEER_ADDRESS_HEADER] = clientAddress(request.socket?.remoteAddress ?? '', request.headers['x-forwarded-for'], hops)
    }
    return emit.call(this, event, ...args)
  }
  prototype.__peerStamped = true
}

/** Readiness of the seam above: a request that reached the app without the stamp means it broke. */
export function checkPeerAddressStamp(headers: Headers): { ok: boolean; error?: string } {
  if (headers.get(PEER_ADDRESS_HEADER)) return { ok: true }
  return {
    ok: false,
    error:
      'requests arrive without the peer address stamped at start-up: the ledger would record no address and per-address throttling would stop (the server no longer emits requests through http.Server)',
  }
}
