import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cacheLifetime, createDocumentCache, DEFAULT_BOUNDS } from './document-cache'

// The cache against a real HTTP server: what each path answers is set per case, and every request
// the server sees is counted.

interface Answer {
  status?: number
  headers?: Record<string, string>
  body?: string
  /** Held back this long before answering. */
  delayMs?: number
}

let server: http.Server
let base: string
let answers: Record<string, Answer> = {}
let seen: Record<string, number> = {}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = req.url ?? '/'
    seen[path] = (seen[path] ?? 0) + 1
    const answer = answers[path] ?? { status: 404, body: '{"error":"not found"}' }
    setTimeout(() => {
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? '{}')
    }, answer.delayMs ?? 0)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

beforeEach(() => {
  answers = {}
  seen = {}
})

/** A cache whose clock the case moves by hand. */
function cacheAt(start = 1_000_000, bounds: Partial<typeof DEFAULT_BOUNDS> = {}) {
  const clock = { now: start }
  const cache = createDocumentCache({ now: () => clock.now, bounds })
  return { cache, clock }
}

async function body(response: Response): Promise<unknown> {
  return response.json()
}

describe('cacheLifetime', () => {
  const lifetime = (cacheControl?: string, age?: string) => {
    const headers = new Headers()
    if (cacheControl !== undefined) headers.set('cache-control', cacheControl)
    if (age !== undefined) headers.set('age', age)
    return cacheLifetime(headers, DEFAULT_BOUNDS)
  }

  it('honours max-age between one minute and one day, less the Age the answer already has', () => {
    expect(lifetime('public, max-age=600')).toBe(600)
    expect(lifetime('max-age="900"')).toBe(900)
    expect(lifetime('max-age=600', '100')).toBe(500)
    expect(lifetime('max-age=5')).toBe(60)
    expect(lifetime('max-age=0')).toBe(60)
    expect(lifetime('max-age=600', '9999')).toBe(60)
    expect(lifetime('max-age=9999999')).toBe(86_400)
  })

  it('keeps a document without max-age (or with one it cannot read) for an hour', () => {
    expect(lifetime()).toBe(3600)
    expect(lifetime('public')).toBe(3600)
    expect(lifetime('max-age=soon')).toBe(3600)
    expect(lifetime('max-age=-5')).toBe(3600)
  })

  it('keeps nothing the server says not to store or to revalidate each time', () => {
    expect(lifetime('no-store')).toBeNull()
    expect(lifetime('max-age=600, no-store')).toBeNull()
    expect(lifetime('No-Cache')).toBeNull()
  })
})

describe('a document cache', () => {
  it('serves a kept copy until max-age has passed, then fetches again', async () => {
    answers['/doc'] = { headers: { 'cache-control': 'max-age=120' }, body: '{"n":1}' }
    const { cache, clock } = cacheAt()
    expect(await body(await cache.get(`${base}/doc`))).toEqual({ n: 1 })
    answers['/doc'] = { headers: { 'cache-control': 'max-age=120' }, body: '{"n":2}' }
    clock.now += 119_000
    const kept = await cache.get(`${base}/doc`)
    expect(kept.status).toBe(200)
    expect(kept.headers.get('content-type')).toBe('application/json')
    expect(await body(kept)).toEqual({ n: 1 })
    expect(seen['/doc']).toBe(1)
    clock.now += 1000
    expect(await body(await cache.get(`${base}/doc`))).toEqual({ n: 2 })
    expect(seen['/doc']).toBe(2)
  })

  it('clamps a short max-age up to a minute and a long one down to a day; an hour without one', async () => {
    answers['/short'] = { headers: { 'cache-control': 'max-age=1' } }
    answers['/long'] = { headers: { 'cache-control': 'max-age=31536000' } }
    answers['/none'] = {}
    const { cache, clock } = cacheAt()
    const getAll = () => Promise.all(['/short', '/long', '/none'].map((path) => cache.get(`${base}${path}`)))
    await getAll()
    clock.now += 59_000
    await getAll()
    expect(seen).toEqual({ '/short': 1, '/long': 1, '/none': 1 })
    clock.now += 2000
    await getAll()
    expect(seen).toEqual({ '/short': 2, '/long': 1, '/none': 1 })
    clock.now = 1_000_000 + 3600_000 + 1000
    await getAll()
    expect(seen).toEqual({ '/short': 3, '/long': 1, '/none': 2 })
    clock.now = 1_000_000 + 86_400_000 + 1000
    await getAll()
    expect(seen).toEqual({ '/short': 4, '/long': 2, '/none': 3 })
  })

  it('answers each caller with its own readable response', async () => {
    answers['/doc'] = { body: '{"issuer":"x"}' }
    const { cache } = cacheAt()
    const first = await cache.get(`${base}/doc`)
    const second = await cache.get(`${base}/doc`)
    expect(await first.text()).toBe('{"issuer":"x"}')
    expect(await second.json()).toEqual({ issuer: 'x' })
    expect(first.bodyUsed && second.bodyUsed).toBe(true)
  })

  it('shares one request among concurrent misses', async () => {
    answers['/doc'] = { body: '{"n":1}', delayMs: 150 }
    const { cache } = cacheAt()
    const responses = await Promise.all(Array.from({ length: 8 }, () => cache.get(`${base}/doc`)))
    expect(await Promise.all(responses.map(body))).toEqual(Array.from({ length: 8 }, () => ({ n: 1 })))
    expect(seen['/doc']).toBe(1)
    expect(cache.size()).toBe(1)
  })

  it('keeps nothing marked no-store, yet concurrent requests for it still share one', async () => {
    answers['/doc'] = { headers: { 'cache-control': 'no-store' }, body: '{"n":1}', delayMs: 100 }
    const { cache } = cacheAt()
    const together = await Promise.all([cache.get(`${base}/doc`), cache.get(`${base}/doc`), cache.get(`${base}/doc`)])
    expect(together.map((response) => response.status)).toEqual([200, 200, 200])
    expect(seen['/doc']).toBe(1)
    await cache.get(`${base}/doc`)
    expect(seen['/doc']).toBe(2)
    expect(cache.size()).toBe(0)
  })

  it('keeps no failed answer, and a failed refetch leaves the kept copy in place', async () => {
    answers['/missing'] = { status: 404 }
    const { cache, clock } = cacheAt(1_000_000, { refreshCooldownMs: 0 })
    expect((await cache.get(`${base}/missing`)).status).toBe(404)
    expect((await cache.get(`${base}/missing`)).status).toBe(404)
    expect(seen['/missing']).toBe(2)

    answers['/doc'] = { body: '{"n":1}' }
    await cache.get(`${base}/doc`)
    answers['/doc'] = { status: 500, body: '{"error":"down"}' }
    clock.now += 1000
    expect((await cache.get(`${base}/doc`, { refresh: true })).status).toBe(500)
    expect(await body(await cache.get(`${base}/doc`))).toEqual({ n: 1 })
    expect(seen['/doc']).toBe(2)
  })

  it('refreshes past a fresh copy when asked, at most once per cooldown', async () => {
    answers['/jwks'] = { body: '{"keys":["a"]}' }
    const { cache, clock } = cacheAt(1_000_000, { refreshCooldownMs: 30_000 })
    await cache.get(`${base}/jwks`)
    answers['/jwks'] = { body: '{"keys":["a","b"]}' }
    clock.now += 1000
    // The first refresh goes out whenever it is asked for, however recently the copy was read.
    expect(await body(await cache.get(`${base}/jwks`, { refresh: true }))).toEqual({ keys: ['a', 'b'] })
    expect(seen['/jwks']).toBe(2)

    answers['/jwks'] = { body: '{"keys":["b","c"]}' }
    clock.now += 29_000
    expect(await body(await cache.get(`${base}/jwks`, { refresh: true }))).toEqual({ keys: ['a', 'b'] })
    expect(seen['/jwks']).toBe(2)
    clock.now += 1000
    expect(await body(await cache.get(`${base}/jwks`, { refresh: true }))).toEqual({ keys: ['b', 'c'] })
    expect(seen['/jwks']).toBe(3)
  })

  it('concurrent refreshes share one request', async () => {
    answers['/jwks'] = { body: '{"keys":[]}' }
    const { cache } = cacheAt()
    await cache.get(`${base}/jwks`)
    answers['/jwks'] = { body: '{"keys":["new"]}', delayMs: 100 }
    const refreshed = await Promise.all([1, 2, 3].map(() => cache.get(`${base}/jwks`, { refresh: true })))
    expect(await Promise.all(refreshed.map(body))).toEqual([{ keys: ['new'] }, { keys: ['new'] }, { keys: ['new'] }])
    expect(seen['/jwks']).toBe(2)
  })

  it('keeps at most maxEntries documents, dropping the oldest stored', async () => {
    for (const path of ['/a', '/b', '/c']) answers[path] = { body: `{"path":"${path}"}` }
    const { cache } = cacheAt(1_000_000, { maxEntries: 2 })
    for (const path of ['/a', '/b', '/c']) await cache.get(`${base}${path}`)
    expect(cache.size()).toBe(2)
    for (const path of ['/b', '/c', '/a']) await cache.get(`${base}${path}`)
    expect(seen).toEqual({ '/a': 2, '/b': 1, '/c': 1 })
  })

  it('refuses a document larger than maxBodyBytes, and keeps none', async () => {
    answers['/big'] = { body: JSON.stringify({ pad: 'x'.repeat(2000) }) }
    const { cache } = cacheAt(1_000_000, { maxBodyBytes: 1024 })
    await expect(cache.get(`${base}/big`)).rejects.toThrow('larger than 1024 bytes')
    expect(cache.size()).toBe(0)
  })

  it('gives up after timeoutMs, and lets a caller abort its own wait without ending the others', async () => {
    answers['/slow'] = { delayMs: 400 }
    const slowCache = cacheAt(1_000_000, { timeoutMs: 100 }).cache
    await expect(slowCache.get(`${base}/slow`)).rejects.toMatchObject({ name: 'TimeoutError' })

    answers['/doc'] = { body: '{"n":1}', delayMs: 200 }
    const { cache } = cacheAt()
    const controller = new AbortController()
    const impatient = cache.get(`${base}/doc`, { signal: controller.signal })
    const patient = cache.get(`${base}/doc`)
    controller.abort(new Error('gave up'))
    await expect(impatient).rejects.toThrow('gave up')
    expect(await body(await patient)).toEqual({ n: 1 })
    expect(seen['/doc']).toBe(1)
  })

  it('treats the same URL spelled differently as one document', async () => {
    answers['/doc'] = { body: '{"n":1}' }
    const { cache } = cacheAt()
    await cache.get(`${base}/doc`)
    await cache.get(`${base.replace('http', 'HTTP')}/doc`)
    expect(seen['/doc']).toBe(1)
  })
})
