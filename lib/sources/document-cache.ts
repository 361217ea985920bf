import 'server-only'
import { readBodyUpTo } from '../server/read-body'

// An in-process cache of the few public JSON documents an OpenID Connect client reads over and
// over: an IdP's discovery document and its signing keys (JWKS). Each is kept as long as the IdP's
// Cache-Control allows, within bounds, and concurrent misses share one request. Only plain GETs of
// public documents belong here: never a token or userinfo request.

export interface CacheBounds {
  /** A shorter max-age (max-age=0 included) is raised to this. */
  minSeconds: number
  /** A longer max-age is lowered to this. */
  maxSeconds: number
  /** How long a document without max-age is kept. */
  defaultSeconds: number
  /** Documents kept at most; the oldest stored goes first. */
  maxEntries: number
  /** A larger document is refused, not cached. */
  maxBodyBytes: number
  /** Deadline of one request, reading its body included. */
  timeoutMs: number
  /** A forced refresh (an unknown key id) is made at most this often per document. */
  refreshCooldownMs: number
}

export const DEFAULT_BOUNDS: CacheBounds = {
  minSeconds: 60,
  maxSeconds: 24 * 60 * 60,
  defaultSeconds: 60 * 60,
  maxEntries: 64,
  maxBodyBytes: 512 * 1024,
  timeoutMs: 5000,
  refreshCooldownMs: 30_000,
}

interface Snapshot {
  status: number
  statusText: string
  headers: Array<[string, string]>
  body: Uint8Array
  /** How long it may be kept, in seconds; null: not at all. */
  lifetimeSeconds: number | null
}

interface Entry {
  snapshot: Snapshot
  expiresAt: number
  /** When a forced refresh last fetched it, or -Infinity. */
  refreshedAt: number
}

export interface DocumentCache {
  /**
   * A GET of `url`: the kept copy while it is fresh, else one request shared by every caller that
   * asks meanwhile. `refresh` skips a fresh copy, unless a refresh already did within the cooldown.
   */
  get(url: string, options?: { signal?: AbortSignal | null; refresh?: boolean }): Promise<Response>
  /** How many documents are kept. */
  size(): number
}

const KEPT_HEADERS = ['content-type', 'cache-control']
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/**
 * How long a 200 answer may be kept, in seconds, from its Cache-Control (max-age less Age),
 * clamped to the bounds; null for no-store or no-cache, which are not kept at all.
 */
export function cacheLifetime(headers: Headers, bounds: Pick<CacheBounds, 'minSeconds' | 'maxSeconds' | 'defaultSeconds'>): number | null {
  const directives = new Map<string, string>()
  for (const part of (headers.get('cache-control') ?? '').split(',')) {
    const [name = '', value = ''] = part.split('=')
    const key = name.trim().toLowerCase()
    if (key && !directives.has(key)) directives.set(key, value.trim().replace(/^"(.*)"$/, '$1'))
  }
  if (directives.has('no-store') || directives.has('no-cache')) return null
  const maxAge = directives.get('max-age')
  if (maxAge === undefined || !/^\d+$/.test(maxAge)) return bounds.defaultSeconds
  const age = headers.get('age')?.trim() ?? ''
  const remaining = Number(maxAge) - (/^\d+$/.test(age) ? Number(age) : 0)
  return Math.min(bounds.maxSeconds, Math.max(bounds.minSeconds, remaining))
}

async function readBody(response: Response, limit: number): Promise<Uint8Array> {
  const body = await readBodyUpTo(response, limit)
  if (body === null) throw new Error(`the document is larger than ${limit} bytes`)
  return body
}

function toResponse(snapshot: Snapshot): Response {
  const body = NULL_BODY_STATUSES.has(snapshot.status) ? null : new Uint8Array(snapshot.body)
  return new Response(body, { status: snapshot.status, statusText: snapshot.statusText, headers: snapshot.headers })
}

/** Waits for `promise`, or rejects as soon as this caller's own signal aborts (the request goes on for the others). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** One GET of the document, read whole (up to the size bound) so every waiting caller gets a copy. */
async function download(url: string, bounds: CacheBounds, fetchImpl: typeof fetch): Promise<Snapshot> {
  const response = await fetchImpl(url, {
    method: 'GET',
    headers: { accept: 'application/json, application/jwk-set+json' },
    redirect: 'manual',
    cache: 'no-store',
    signal: AbortSignal.timeout(bounds.timeoutMs),
  })
  const body = await readBody(response, bounds.maxBodyBytes)
  const headers = KEPT_HEADERS.flatMap((name): Array<[string, string]> => {
    const value = response.headers.get(name)
    return value === null ? [] : [[name, value]]
  })
  const lifetimeSeconds = response.status === 200 ? cacheLifetime(response.headers, bounds) : null
  return { status: response.status, statusText: response.statusText, headers, body, lifetimeSeconds }
}

export function createDocumentCache(
  options: { fetch?: typeof fetch; now?: () => number; bounds?: Partial<CacheBounds> } = {},
): DocumentCache {
  const bounds = { ...DEFAULT_BOUNDS, ...options.bounds }
  const now = options.now ?? Date.now
  const entries = new Map<string, Entry>()
  const inflight = new Map<string, Promise<Snapshot>>()

  function keep(url: string, snapshot: Snapshot, refreshed: boolean): void {
    // A failed answer leaves the copy kept before; a 200 the IdP says not to keep replaces it.
    if (snapshot.status !== 200) return
    entries.delete(url)
    if (snapshot.lifetimeSeconds === null) return
    const at = now()
    entries.set(url, { snapshot, expiresAt: at + snapshot.lifetimeSeconds * 1000, refreshedAt: refreshed ? at : -Infinity })
    for (const oldest of entries.keys()) {
      if (entries.size <= bounds.maxEntries) break
      entries.delete(oldest)
    }
  }

  function load(url: string, refreshed: boolean): Promise<Snapshot> {
    let pending = inflight.get(url)
    if (!pending) {
      pending = download(url, bounds, options.fetch ?? fetch)
        .then((snapshot) => {
          keep(url, snapshot, refreshed)
          return snapshot
        })
        .finally(() => inflight.delete(url))
      inflight.set(url, pending)
    }
    return pending
  }

  return {
    async get(url, { signal, refresh = false } = {}) {
      const key = new URL(url).href
      const at = now()
      const entry = entries.get(key)
      if (entry && entry.expiresAt <= at) entries.delete(key)
      const fresh = entry && entry.expiresAt > at ? entry : undefined
      if (fresh && !(refresh && fresh.refreshedAt + bounds.refreshCooldownMs <= at)) return toResponse(fresh.snapshot)
      return toResponse(await abortable(load(key, refresh), signal))
    },
    size: () => entries.size,
  }
}
