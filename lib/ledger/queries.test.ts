import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Kysely } from 'kysely'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import type { Database, LoginRequestsTable } from '../db/schema'
import { newLoginRequestRow } from './record'
import { exportLedger, getLedgerEntry, listLedgerSources, loadLedgerPage } from './queries'
import { decodeCursor, encodeCursor, type LedgerCursor, type LedgerFilter, type LedgerListItem, type LedgerStatus } from './filter'
import { purgeLedger } from './retention'
import { csvLine, jsonLine } from './export'

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL admin ledger tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const HOUR = 60 * 60 * 1000
const DAY = 24 * HOUR
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0)

function request(id: string, createdAt: number, overrides: Partial<LoginRequestsTable> = {}): LoginRequestsTable {
  const arrived = newLoginRequestRow({
    id,
    connectionId: 'conn_1',
    serverKey: 'default',
    stateHash: 'hash',
    createdAt,
    expiresAt: createdAt + 10 * 60 * 1000,
    ip: '203.0.113.7',
    userAgent: 'vitest',
  })
  return { ...arrived, status: 'completed', ...overrides }
}

// 40 rows inside the default range, three per created_at (ties across page boundaries), with
// every stored status, pending rows on both sides of their expiry, denied rows past theirs, three
// sources and four servers (one of them no longer configured).
const STORED: Array<LoginRequestsTable['status']> = [
  'completed',
  'failed',
  'cancelled',
  'pending',
  'pending',
  'submitting',
  'expired',
  'denied',
  'completed',
]
const SOURCES = ['local', 'acme', 'company-api', null]
const SERVERS = ['default', 'billing', 'docs', 'billing', 'retired']
/** The configured servers, as the admin page asks for them. */
const CONFIGURED = ['default', 'billing', 'docs']

function zeroCounts(): Record<LedgerStatus, number> {
  return { pending: 0, denied: 0, submitting: 0, completed: 0, failed: 0, cancelled: 0, expired: 0 }
}

function fixture(): LoginRequestsTable[] {
  const rows: LoginRequestsTable[] = []
  for (let i = 0; i < 40; i += 1) {
    const createdAt = NOW - HOUR - Math.floor(i / 3) * 3 * HOUR
    const status = STORED[i % STORED.length]!
    // The second pending row of each cycle is still open at NOW; the first one is past its expiry.
    const expiresAt = status === 'pending' && i % STORED.length === 4 ? NOW + HOUR : createdAt + 10 * 60 * 1000
    const source = SOURCES[i % SOURCES.length] ?? null
    rows.push(
      request(`lri_${String(i).padStart(4, '0')}`, createdAt, {
        status,
        server_key: SERVERS[i % SERVERS.length]!,
        expires_at: expiresAt,
        identity_source: source,
        user_sub: source ? `sub_${i}` : null,
        user_email: source ? `user${i}@example.test` : null,
        auth_request_id: status === 'completed' ? `ar_${i}` : null,
        claims: status === 'completed' ? JSON.stringify({ sub: `sub_${i}`, n: i }) : null,
        ...(status === 'denied' ? { error_code: 'denied', error_message: 'not in any of the groups: finance' } : {}),
      }),
    )
  }
  // Search targets: wildcard characters, a backslash, prefixes of each other.
  rows.push(
    request('lri_s1', NOW - 2 * DAY, {
      user_email: 'ann.lee@acme.test',
      user_sub: 'S-Ann',
      auth_request_id: 'AR_Ann',
      identity_source: 'acme',
    }),
  )
  rows.push(request('lri_s2', NOW - 2 * DAY - 1, { user_email: 'ann.leeds@acme.test', identity_source: 'acme' }))
  rows.push(request('lri_s3', NOW - 2 * DAY - 2, { user_email: 'anna@acme.test', identity_source: 'acme' }))
  rows.push(request('lri_s4', NOW - 2 * DAY - 3, { user_email: 'a%b_c@x.test', identity_source: 'local' }))
  rows.push(request('lri_s5', NOW - 2 * DAY - 4, { user_email: 'axbyc@x.test', identity_source: 'local' }))
  rows.push(request('lri_s6', NOW - 2 * DAY - 5, { user_email: 'a\\b@x.test', identity_source: 'local' }))
  rows.push(request('lri_s7', NOW - 2 * DAY - 6, { user_email: 'ab@x.test', identity_source: 'local' }))
  // Outside the default range: older than 7 days, and at NOW itself (the range ends before now).
  rows.push(request('lri_old1', NOW - 7 * DAY - 1, { identity_source: 'legacy', user_email: 'ann.lee@acme.test' }))
  rows.push(request('lri_old2', NOW - 30 * DAY, { status: 'failed', identity_source: 'legacy' }))
  rows.push(request('lri_edge', NOW - 7 * DAY, { status: 'failed', identity_source: 'local' }))
  rows.push(request('lri_now', NOW, { identity_source: 'local' }))
  return rows
}

const ROWS = fixture()

function effective(row: LoginRequestsTable, now = NOW): LedgerStatus {
  return row.status === 'pending' && row.expires_at <= now ? 'expired' : row.status
}

const newestFirst = (a: LoginRequestsTable, b: LoginRequestsTable) =>
  b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

function inDefaultRange(row: LoginRequestsTable): boolean {
  return row.created_at >= NOW - 7 * DAY && row.created_at < NOW
}

function expectedIds(predicate: (row: LoginRequestsTable) => boolean): string[] {
  return ROWS.filter(predicate)
    .sort(newestFirst)
    .map((row) => row.id)
}

async function allPages(db: Kysely<Database>, filter: LedgerFilter, limit: number): Promise<LedgerListItem[]> {
  const items: LedgerListItem[] = []
  let after: LedgerCursor | null = null
  for (let page = 0; page < 100; page += 1) {
    const result = await loadLedgerPage(db, filter, { after, limit, now: NOW })
    expect(result.items.length).toBeLessThanOrEqual(limit)
    items.push(...result.items)
    if (!result.next) return items
    // The cursor travels through a URL.
    after = decodeCursor(encodeCursor(result.next))
  }
  throw new Error('pagination did not end')
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of iterable) out.push(value)
  return out
}

describe('ledger cursors', () => {
  it('round-trips through an opaque URL-safe string', () => {
    const cursor = { createdAt: NOW, id: 'lri_abc/+=' }
    const encoded = encodeCursor(cursor)
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(encoded)).toEqual(cursor)
  })

  it('answers null for anything it did not write, without throwing', () => {
    const b64 = (value: string) => Buffer.from(value).toString('base64url')
    for (const garbage of [
      null,
      undefined,
      '',
      '!!!',
      'abc',
      b64('{}'),
      b64('[1.5,"x"]'),
      b64('[1,""]'),
      b64('[1]'),
      b64('["1","x"]'),
      b64('[1,"x",2]'),
      'x'.repeat(5000),
    ]) {
      expect(decodeCursor(garbage)).toBeNull()
    }
  })
})

for (const engine of engines) {
  describe.skipIf(engine.skip)(`admin ledger on ${engine.name}`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
      await handle.db.insertInto('login_requests').values(ROWS).execute()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    it('pages newest first over the last 7 days, every row once, ties included', async () => {
      for (const limit of [1, 5, 7, 200]) {
        const items = await allPages(handle.db, {}, limit)
        expect(items.map((item) => item.id)).toEqual(expectedIds(inDefaultRange))
      }
      const first = await loadLedgerPage(handle.db, {}, { now: NOW, limit: 5 })
      expect(first.items).toHaveLength(5)
      expect(first.next).toEqual({ createdAt: first.items[4]!.createdAt, id: first.items[4]!.id })
      const whole = await loadLedgerPage(handle.db, {}, { now: NOW })
      expect(whole.items).toHaveLength(expectedIds(inDefaultRange).length)
      expect(whole.next).toBeNull()
    })

    it('maps every column and reports a pending row past its expiry as expired', async () => {
      const { items } = await loadLedgerPage(handle.db, { q: 'lri_0003' }, { now: NOW })
      expect(items).toEqual([
        {
          id: 'lri_0003',
          status: 'expired',
          serverKey: 'billing',
          createdAt: NOW - 4 * HOUR,
          signedInAt: null,
          submittedAt: null,
          finishedAt: null,
          expiresAt: NOW - 4 * HOUR + 10 * 60 * 1000,
          identitySource: null,
          authMethods: null,
          userEmail: null,
          userSub: null,
          authRequestId: null,
          errorCode: null,
          errorMessage: null,
          ip: '203.0.113.7',
          userAgent: 'vitest',
          reportedAt: null,
        },
      ])
      // Before its expiry the same row is pending.
      const earlier = await loadLedgerPage(handle.db, { q: 'lri_0003', from: NOW - DAY }, { now: NOW - 4 * HOUR + 1 })
      expect(earlier.items.map((item) => item.status)).toEqual(['pending'])
    })

    it('filters by effective status: pending excludes the expired ones, expired includes them', async () => {
      for (const status of ['pending', 'denied', 'expired', 'failed', 'completed', 'submitting', 'cancelled'] as const) {
        const items = await allPages(handle.db, { status }, 4)
        expect(
          items.map((item) => item.id),
          status,
        ).toEqual(expectedIds((row) => inDefaultRange(row) && effective(row) === status))
        expect(items.every((item) => item.status === status)).toBe(true)
      }
      expect((await loadLedgerPage(handle.db, { status: 'pending' }, { now: NOW })).items.length).toBeGreaterThan(0)
      expect((await loadLedgerPage(handle.db, { status: 'expired' }, { now: NOW })).items.some((item) => item.id === 'lri_0003')).toBe(true)
    })

    it('filters by source and by date range, from inclusive and to exclusive', async () => {
      const acme = await allPages(handle.db, { source: 'acme' }, 3)
      expect(acme.map((item) => item.id)).toEqual(expectedIds((row) => inDefaultRange(row) && row.identity_source === 'acme'))

      const from = NOW - 7 * HOUR
      const to = NOW - HOUR
      const range = await allPages(handle.db, { from, to }, 2)
      expect(range.map((item) => item.id)).toEqual(expectedIds((row) => row.created_at >= from && row.created_at < to))
      expect(range.map((item) => item.createdAt)).toContain(from)
      expect(range.map((item) => item.createdAt)).not.toContain(to)

      const older = await allPages(handle.db, { from: NOW - 60 * DAY, to: NOW - 7 * DAY + 1, source: 'legacy' }, 50)
      expect(older.map((item) => item.id)).toEqual(['lri_old1', 'lri_old2'])
      expect((await loadLedgerPage(handle.db, { from: NOW - 7 * DAY }, { now: NOW, limit: 200 })).items.map((item) => item.id)).toContain(
        'lri_edge',
      )
      expect((await loadLedgerPage(handle.db, { to: NOW + 1 }, { now: NOW, limit: 1 })).items.map((item) => item.id)).toEqual(['lri_now'])
      expect(await loadLedgerPage(handle.db, { from: NOW, to: NOW - 1 }, { now: NOW })).toEqual({
        items: [],
        next: null,
        counts: zeroCounts(),
        serverCounts: {},
        timeline: [],
      })
    })

    it('searches ids, authRequestIds and subjects exactly and emails by prefix, wildcards taken literally', async () => {
      const search = async (q: string, filter: LedgerFilter = {}) =>
        (await loadLedgerPage(handle.db, { ...filter, q }, { now: NOW })).items.map((item) => item.id)
      expect(await search('lri_0007')).toEqual(['lri_0007'])
      expect(await search('  lri_0007  ')).toEqual(['lri_0007'])
      expect(await search('lri_000')).toEqual([])
      expect(await search('ar_8')).toEqual(['lri_0008'])
      expect(await search('AR_Ann')).toEqual(['lri_s1'])
      expect(await search('ar_ann')).toEqual([])
      expect(await search('S-Ann')).toEqual(['lri_s1'])
      expect(await search('sub_13')).toEqual(['lri_0013'])
      expect(await search('ann.lee')).toEqual(['lri_s1', 'lri_s2'])
      expect(await search('ANN.LEE@')).toEqual(['lri_s1'])
      expect(await search('ann')).toEqual(['lri_s1', 'lri_s2', 'lri_s3'])
      expect(await search('ann.lee', { from: NOW - 60 * DAY })).toEqual(['lri_s1', 'lri_s2', 'lri_old1'])
      // % and _ are characters of the address, not wildcards.
      expect(await search('a%b_c')).toEqual(['lri_s4'])
      expect(await search('a%')).toEqual(['lri_s4'])
      expect(await search('a_b')).toEqual([])
      expect(await search('%')).toEqual([])
      expect(await search('_')).toEqual([])
      expect(await search('a\\')).toEqual(['lri_s6'])
      expect(await search('a\\b@')).toEqual(['lri_s6'])
      expect(await search('ab')).toEqual(['lri_s7'])
      expect(await search('user1@example.test', { status: 'failed' })).toEqual(['lri_0001'])
      expect(await search('user1@example.test', { status: 'cancelled' })).toEqual([])
      expect(await search('user1@')).toEqual(['lri_0001'])
      expect(await search(`${'x'.repeat(400)}`)).toEqual([])
    })

    it('counts effective statuses over the whole filter except the status, and splits the range into a timeline', async () => {
      const expected: Record<LedgerStatus, number> = zeroCounts()
      for (const row of ROWS) if (inDefaultRange(row)) expected[effective(row)] += 1
      const all = await loadLedgerPage(handle.db, {}, { now: NOW })
      expect(all.counts).toEqual(expected)
      expect(expected.expired).toBeGreaterThan(0)
      expect(expected.pending).toBeGreaterThan(0)
      expect(expected.denied).toBeGreaterThan(0)
      const failedOnly = await loadLedgerPage(handle.db, { status: 'failed' }, { now: NOW })
      expect(failedOnly.counts).toEqual(expected)
      expect(failedOnly.timeline).toEqual(all.timeline)

      const acmeCounts = (await loadLedgerPage(handle.db, { source: 'acme', status: 'completed' }, { now: NOW })).counts
      const acmeExpected: Record<LedgerStatus, number> = zeroCounts()
      for (const row of ROWS) if (inDefaultRange(row) && row.identity_source === 'acme') acmeExpected[effective(row)] += 1
      expect(acmeCounts).toEqual(acmeExpected)

      // A search is counted (and drawn) over its own matches.
      const searched = await loadLedgerPage(handle.db, { q: 'user1', status: 'completed' }, { now: NOW, buckets: 7 })
      const matches = ROWS.filter((row) => inDefaultRange(row) && row.user_email?.startsWith('user1'))
      const searchExpected: Record<LedgerStatus, number> = zeroCounts()
      for (const row of matches) searchExpected[effective(row)] += 1
      expect(searched.counts).toEqual(searchExpected)
      expect(searched.items.map((item) => item.id)).toEqual(
        expectedIds((row) => inDefaultRange(row) && !!row.user_email?.startsWith('user1') && effective(row) === 'completed'),
      )
      for (const slot of searched.timeline) {
        const inSlot = matches.filter((row) => row.created_at >= slot.start && row.created_at < slot.end)
        expect([slot.completed, slot.failed]).toEqual([
          inSlot.filter((row) => effective(row) === 'completed').length,
          inSlot.filter((row) => effective(row) === 'failed').length,
        ])
      }
      expect(searched.timeline.reduce((sum, slot) => sum + slot.completed + slot.failed, 0)).toBe(
        searchExpected.completed + searchExpected.failed,
      )

      // Default timeline: 24 equal, contiguous buckets over the last 7 days.
      expect(all.timeline).toHaveLength(24)
      expect(all.timeline[0]!.start).toBe(NOW - 7 * DAY)
      expect(all.timeline[23]!.end).toBe(NOW)
      for (let i = 0; i < 23; i += 1) expect(all.timeline[i]!.end).toBe(all.timeline[i + 1]!.start)
      expect(all.timeline.every((slot) => slot.end - slot.start === 7 * HOUR)).toBe(true)
      expect(all.timeline.reduce((sum, slot) => sum + slot.completed, 0)).toBe(expected.completed)
      expect(all.timeline.reduce((sum, slot) => sum + slot.failed, 0)).toBe(expected.failed)
      for (const slot of all.timeline) {
        const inSlot = ROWS.filter((row) => inDefaultRange(row) && row.created_at >= slot.start && row.created_at < slot.end)
        expect(slot.completed).toBe(inSlot.filter((row) => effective(row) === 'completed').length)
        expect(slot.failed).toBe(inSlot.filter((row) => effective(row) === 'failed').length)
      }
    })

    it('puts each row in the bucket whose interval holds it, also when the range does not divide evenly', async () => {
      const from = NOW - 10 * HOUR
      const to = NOW - HOUR + 1 // 9 h + 1 ms in 4 buckets
      const page = await loadLedgerPage(handle.db, { from, to }, { now: NOW, buckets: 4 })
      const span = to - from
      expect(page.timeline.map((slot) => [slot.start, slot.end])).toEqual(
        [0, 1, 2, 3].map((i) => [from + Math.ceil((i * span) / 4), i === 3 ? to : from + Math.ceil(((i + 1) * span) / 4)]),
      )
      for (const slot of page.timeline) {
        const inSlot = ROWS.filter((row) => row.created_at >= slot.start && row.created_at < slot.end)
        expect({ completed: slot.completed, failed: slot.failed }).toEqual({
          completed: inSlot.filter((row) => effective(row) === 'completed').length,
          failed: inSlot.filter((row) => effective(row) === 'failed').length,
        })
      }
      // The newest rows of the range sit on its last millisecond.
      expect(page.timeline[3]!.completed + page.timeline[3]!.failed).toBeGreaterThan(0)
    })

    it('counts denied as its own status, also past its expiry, and filters on it', async () => {
      const denied = ROWS.filter((row) => inDefaultRange(row) && row.status === 'denied')
      expect(denied.length).toBeGreaterThan(1)
      expect(denied.every((row) => row.expires_at <= NOW)).toBe(true)
      const page = await loadLedgerPage(handle.db, {}, { now: NOW })
      expect(page.counts.denied).toBe(denied.length)
      const expiredStored = ROWS.filter((row) => inDefaultRange(row) && effective(row) === 'expired').length
      expect(page.counts.expired).toBe(expiredStored)
      const items = await allPages(handle.db, { status: 'denied' }, 2)
      expect(items.map((item) => item.id)).toEqual(denied.sort(newestFirst).map((row) => row.id))
      expect(items[0]).toMatchObject({ status: 'denied', errorCode: 'denied', errorMessage: 'not in any of the groups: finance' })
      // Neither the expired filter nor a search turns them into anything else.
      expect((await allPages(handle.db, { status: 'expired' }, 50)).some((item) => item.status === 'denied')).toBe(false)
      const searched = await loadLedgerPage(handle.db, { q: denied[0]!.id }, { now: NOW })
      expect(searched.items.map((item) => item.status)).toEqual(['denied'])
      expect(searched.counts).toEqual({ ...zeroCounts(), denied: 1 })
    })

    it('filters by server, alone and with the status, source and search', async () => {
      for (const server of [...CONFIGURED, 'retired', 'nowhere']) {
        const items = await allPages(handle.db, { server }, 3)
        expect(
          items.map((item) => item.id),
          server,
        ).toEqual(expectedIds((row) => inDefaultRange(row) && row.server_key === server))
        expect(items.every((item) => item.serverKey === server)).toBe(true)
      }
      expect((await allPages(handle.db, { server: 'billing' }, 50)).length).toBeGreaterThan(5)
      const combined = await allPages(handle.db, { server: 'billing', status: 'expired', source: 'acme' }, 2)
      expect(combined.map((item) => item.id)).toEqual(
        expectedIds(
          (row) => inDefaultRange(row) && row.server_key === 'billing' && effective(row) === 'expired' && row.identity_source === 'acme',
        ),
      )
      const searched = await loadLedgerPage(handle.db, { q: 'user1', server: 'docs' }, { now: NOW })
      expect(searched.items.map((item) => item.id)).toEqual(
        expectedIds((row) => inDefaultRange(row) && !!row.user_email?.startsWith('user1') && row.server_key === 'docs'),
      )
      expect(searched.items.length).toBeGreaterThan(0)
    })

    it('counts by server over the whole filter except its server, and statuses within the server', async () => {
      const expectedFor = (predicate: (row: LoginRequestsTable) => boolean) => {
        const counts: Record<string, number> = { default: 0, billing: 0, docs: 0 }
        for (const row of ROWS) if (inDefaultRange(row) && predicate(row) && row.server_key in counts) counts[row.server_key]! += 1
        return counts
      }
      const all = await loadLedgerPage(handle.db, {}, { now: NOW, servers: CONFIGURED })
      expect(all.serverCounts).toEqual(expectedFor(() => true))
      expect(Object.values(all.serverCounts).every((n) => n > 0)).toBe(true)
      // Only the servers asked for: without them, none; a key nobody used counts 0.
      expect((await loadLedgerPage(handle.db, {}, { now: NOW })).serverCounts).toEqual({})
      expect((await loadLedgerPage(handle.db, {}, { now: NOW, servers: ['nowhere', 'docs'] })).serverCounts).toEqual({
        nowhere: 0,
        docs: all.serverCounts.docs,
      })

      // Filtering on a server keeps every server's count, and counts the statuses of that server only.
      const billing = await loadLedgerPage(handle.db, { server: 'billing' }, { now: NOW, servers: CONFIGURED })
      expect(billing.serverCounts).toEqual(all.serverCounts)
      const billingStatuses = zeroCounts()
      for (const row of ROWS) if (inDefaultRange(row) && row.server_key === 'billing') billingStatuses[effective(row)] += 1
      expect(billing.counts).toEqual(billingStatuses)
      const failedTimeline = billing.timeline.reduce((sum, slot) => sum + slot.failed, 0)
      expect(failedTimeline).toBe(billingStatuses.failed)

      // The status, source and search narrow the counts per server.
      for (const filter of [{ status: 'expired' }, { status: 'pending' }, { status: 'denied' }, { source: 'acme' }] as const) {
        const page = await loadLedgerPage(handle.db, { ...filter, server: 'docs' }, { now: NOW, servers: CONFIGURED })
        expect(page.serverCounts, JSON.stringify(filter)).toEqual(
          expectedFor((row) =>
            'status' in filter ? effective(row) === filter.status : row.identity_source === (filter as { source: string }).source,
          ),
        )
      }
      const searched = await loadLedgerPage(handle.db, { q: 'user1', status: 'completed' }, { now: NOW, servers: CONFIGURED })
      expect(searched.serverCounts).toEqual(expectedFor((row) => !!row.user_email?.startsWith('user1') && effective(row) === 'completed'))
    })

    it('splits the timeline by server when asked, with or without a search', async () => {
      const plain = await loadLedgerPage(handle.db, {}, { now: NOW, servers: CONFIGURED })
      expect(plain.timeline.every((slot) => slot.servers === undefined)).toBe(true)
      const filters: LedgerFilter[] = [{}, { status: 'completed' }, { q: 'user', server: 'billing' }]
      for (const filter of filters) {
        const page = await loadLedgerPage(handle.db, filter, { now: NOW, servers: CONFIGURED, split: 'server', buckets: 9 })
        const matches = ROWS.filter(
          (row) =>
            inDefaultRange(row) &&
            (filter.status === undefined || effective(row) === filter.status) &&
            (filter.q === undefined || !!row.user_email?.startsWith(filter.q)),
        )
        expect(page.timeline).toHaveLength(9)
        for (const slot of page.timeline) {
          const inSlot = matches.filter((row) => row.created_at >= slot.start && row.created_at < slot.end)
          const expected = Object.fromEntries(CONFIGURED.map((key) => [key, inSlot.filter((row) => row.server_key === key).length]))
          expect(slot.servers, JSON.stringify(filter)).toEqual(expected)
        }
        for (const key of CONFIGURED) {
          expect(page.timeline.reduce((sum, slot) => sum + slot.servers![key]!, 0)).toBe(page.serverCounts[key])
        }
        // The completed/failed series stay as they were.
        const unsplit = await loadLedgerPage(handle.db, filter, { now: NOW, buckets: 9 })
        expect(page.timeline.map(({ servers: _, ...slot }) => slot)).toEqual(unsplit.timeline)
      }
    })

    it('filters the sign-ins their person reported, with the status, server and counts', async () => {
      const reported = ROWS.filter((row) => inDefaultRange(row)).filter((_, index) => index % 7 === 3)
      const ids = reported.map((row) => row.id)
      expect(ids.length).toBeGreaterThan(2)
      await handle.db
        .updateTable('login_requests')
        .set({ reported_at: NOW - 1000 })
        .where('id', 'in', ids)
        .execute()
      try {
        const only = (row: LoginRequestsTable) => ids.includes(row.id)
        const items = await allPages(handle.db, { reported: true }, 2)
        expect(items.map((item) => item.id)).toEqual(expectedIds(only))
        expect(items.every((item) => item.reportedAt === NOW - 1000)).toBe(true)
        const status = effective(reported[0]!)
        const narrowed = await allPages(handle.db, { reported: true, status }, 50)
        expect(narrowed.map((item) => item.id)).toEqual(expectedIds((row) => only(row) && effective(row) === status))
        const counts = zeroCounts()
        for (const row of reported) counts[effective(row)] += 1
        const page = await loadLedgerPage(handle.db, { reported: true }, { now: NOW, servers: CONFIGURED })
        expect(page.counts).toEqual(counts)
        const byServer = Object.fromEntries(CONFIGURED.map((key) => [key, reported.filter((row) => row.server_key === key).length]))
        expect(page.serverCounts).toEqual(byServer)
        expect(await allPages(handle.db, { reported: false }, 200)).toHaveLength(expectedIds(inDefaultRange).length)
      } finally {
        await handle.db.updateTable('login_requests').set({ reported_at: null }).where('id', 'in', ids).execute()
      }
    })

    it('lists the identity sources in use, once each', async () => {
      expect(await listLedgerSources(handle.db)).toEqual(['acme', 'company-api', 'legacy', 'local'])
    })

    it('reads one entry with its claims and its events in order', async () => {
      await handle.db
        .insertInto('login_requests')
        .values(request('lri_entry', NOW - 3 * DAY, { status: 'pending', claims: '{"sub":"u1","email":"a@x.test"}' }))
        .execute()
      await handle.db
        .insertInto('login_events')
        .values([
          { login_request_id: 'lri_entry', at: NOW - 3 * DAY + 20, type: 'submitted', detail: null },
          { login_request_id: 'lri_entry', at: NOW - 3 * DAY, type: 'received', detail: '{"ip":"203.0.113.7"}' },
          { login_request_id: 'lri_entry', at: NOW - 3 * DAY + 20, type: 'completed', detail: '{"authRequestId":"ar_x"}' },
          { login_request_id: 'lri_entry', at: NOW - 3 * DAY + 10, type: 'signed_in', detail: 'not json' },
          { login_request_id: 'lri_other', at: NOW - 3 * DAY + 5, type: 'received', detail: null },
        ])
        .execute()
      const entry = await getLedgerEntry(handle.db, 'lri_entry', NOW)
      expect(entry?.item).toMatchObject({ id: 'lri_entry', status: 'expired', createdAt: NOW - 3 * DAY })
      expect(entry?.claims).toEqual({ sub: 'u1', email: 'a@x.test' })
      expect(entry?.events).toEqual([
        { at: NOW - 3 * DAY, type: 'received', detail: { ip: '203.0.113.7' } },
        { at: NOW - 3 * DAY + 10, type: 'signed_in', detail: null },
        { at: NOW - 3 * DAY + 20, type: 'submitted', detail: null },
        { at: NOW - 3 * DAY + 20, type: 'completed', detail: { authRequestId: 'ar_x' } },
      ])
      expect((await getLedgerEntry(handle.db, 'lri_entry', NOW - 3 * DAY + 1))?.item.status).toBe('pending')
      expect(await getLedgerEntry(handle.db, 'lri_missing', NOW)).toBeNull()
      expect(await getLedgerEntry(handle.db, '', NOW)).toBeNull()
      await handle.db.deleteFrom('login_events').where('login_request_id', 'in', ['lri_entry', 'lri_other']).execute()
      await handle.db.deleteFrom('login_requests').where('id', '=', 'lri_entry').execute()
    })

    it('reads a denied entry with its server, the rule and the denied event, still denied after expiry', async () => {
      // As the login's denial writes it (lib/ledger/record.ts recordLoginDenied).
      const at = NOW - 5 * DAY
      const rule = 'not in any of the groups: finance'
      await handle.db
        .insertInto('login_requests')
        .values(
          request('lri_denied', at, {
            status: 'denied',
            server_key: 'billing',
            updated_at: at + 10,
            signed_in_at: at + 5,
            identity_source: 'acme',
            user_sub: 'u9',
            user_email: 'nina@acme.test',
            error_code: 'denied',
            error_message: rule,
          }),
        )
        .execute()
      const detail = JSON.stringify({ source: 'acme', email: 'nina@acme.test', rule })
      await handle.db
        .insertInto('login_events')
        .values({ login_request_id: 'lri_denied', at: at + 10, type: 'denied', detail })
        .execute()
      for (const now of [at + 11, NOW]) {
        const entry = await getLedgerEntry(handle.db, 'lri_denied', now)
        expect(entry?.item).toMatchObject({
          status: 'denied',
          serverKey: 'billing',
          userEmail: 'nina@acme.test',
          identitySource: 'acme',
          errorCode: 'denied',
          errorMessage: 'not in any of the groups: finance',
        })
        expect(entry?.events).toEqual([
          { at: at + 10, type: 'denied', detail: { source: 'acme', email: 'nina@acme.test', rule: 'not in any of the groups: finance' } },
        ])
      }
      await handle.db.deleteFrom('login_events').where('login_request_id', '=', 'lri_denied').execute()
      await handle.db.deleteFrom('login_requests').where('id', '=', 'lri_denied').execute()
    })

    it('exports exactly the filtered rows, newest first, across batch boundaries, with claims', async () => {
      const everything = expectedIds(inDefaultRange)
      for (const batchSize of [1, 3, 4, everything.length, everything.length + 1]) {
        const rows = await collect(exportLedger(handle.db, {}, { now: NOW, batchSize }))
        expect(
          rows.map((row) => row.id),
          `batch ${batchSize}`,
        ).toEqual(everything)
      }
      const completed = await collect(exportLedger(handle.db, { status: 'completed', source: 'local' }, { now: NOW, batchSize: 2 }))
      expect(completed.map((row) => row.id)).toEqual(
        expectedIds((row) => inDefaultRange(row) && effective(row) === 'completed' && row.identity_source === 'local'),
      )
      expect(completed.length).toBeGreaterThan(2)
      expect(completed[0]).toMatchObject({ status: 'completed', claims: { sub: completed[0]!.userSub } })
      const expired = await collect(exportLedger(handle.db, { status: 'expired' }, { now: NOW, batchSize: 2 }))
      expect(expired.map((row) => row.id)).toEqual(expectedIds((row) => inDefaultRange(row) && effective(row) === 'expired'))
      expect(expired.every((row) => row.status === 'expired' && row.claims === null)).toBe(true)
      const searched = await collect(exportLedger(handle.db, { q: 'ann.lee', from: 0 }, { now: NOW }))
      expect(searched.map((row) => row.id)).toEqual(['lri_s1', 'lri_s2', 'lri_old1'])
      // Every row carries its server, and the server filter applies.
      const billing = await collect(exportLedger(handle.db, { server: 'billing' }, { now: NOW, batchSize: 3 }))
      expect(billing.map((row) => row.id)).toEqual(expectedIds((row) => inDefaultRange(row) && row.server_key === 'billing'))
      expect(billing.every((row) => row.serverKey === 'billing')).toBe(true)
      const byId = new Map(ROWS.map((row) => [row.id, row.server_key]))
      const every = await collect(exportLedger(handle.db, {}, { now: NOW }))
      expect(every.map((row) => row.serverKey)).toEqual(every.map((row) => byId.get(row.id)))
      expect(new Set(every.map((row) => row.serverKey))).toEqual(new Set([...CONFIGURED, 'retired']))
      expect(csvLine(billing[0]!).split(',').slice(0, 3)).toEqual([`"${billing[0]!.id}"`, `"${billing[0]!.status}"`, '"billing"'])
      expect(JSON.parse(jsonLine(billing[0]!))).toMatchObject({ login_request_id: billing[0]!.id, server: 'billing' })
    })

    it('purges only requests created before the cutoff, their events and orphaned older events', async () => {
      // Far older than every other row of this file, so the rest of the ledger is the control group.
      const { db } = handle
      await db
        .insertInto('login_requests')
        .values([request('p1', 1_000), request('p2', 2_000), request('p3', 2_499), request('p4', 2_500), request('p5', 9_000)])
        .execute()
      const event = (id: string, at: number) => ({ login_request_id: id, at, type: 'received', detail: null })
      await db
        .insertInto('login_events')
        .values([
          event('p1', 1_000),
          event('p1', 1_500),
          event('p2', 2_000),
          event('p3', 2_499),
          event('p3', 3_000),
          event('p4', 2_500),
          event('p4', 2_600),
          event('p5', 9_000),
          // Attempts for ids that were never stored: one before the cutoff, one after.
          event('ghost', 100),
          event('ghost', 5_000),
          event('lri_0001', NOW - 2 * DAY),
        ])
        .execute()
      const before = await db
        .selectFrom('login_requests')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
      expect(await purgeLedger(db, 2_500, { batchSize: 2 })).toEqual({ loginRequests: 3, events: 6 })
      const after = await db
        .selectFrom('login_requests')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
      expect(Number(before.n) - Number(after.n)).toBe(3)
      expect(
        (await db.selectFrom('login_requests').select('id').where('created_at', '<', 10_000).orderBy('id').execute()).map((row) => row.id),
      ).toEqual(['p4', 'p5'])
      expect(
        (await db.selectFrom('login_events').select(['login_request_id', 'at']).orderBy('at').execute()).map(
          (row) => `${row.login_request_id}@${row.at}`,
        ),
      ).toEqual(['p4@2500', 'p4@2600', 'ghost@5000', 'p5@9000', `lri_0001@${NOW - 2 * DAY}`])
      expect(await purgeLedger(db, 2_500)).toEqual({ loginRequests: 0, events: 0 })
      expect(await purgeLedger(db, 9_001)).toEqual({ loginRequests: 2, events: 4 })
    })
  })
}
