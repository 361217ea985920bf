/** The request header that carries the TCP peer's address, set by lib/server/startup.ts. */
export const PEER_ADDRESS_HEADER = 'x-bridge-peer-address'

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
