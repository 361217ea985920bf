import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { purgeMail } from '../mail/retention'
import { alertDue, browserIdFrom, browserSummary, noteSighting } from './sightings'

// The new-sign-in alert's memory of browsers and addresses, on both engines (security.md case 54).

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL sighting tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

describe.each(engines)('sign-in sightings on $name', ({ open, skip }) => {
  let handle: TestDatabase
  beforeAll(async () => {
    if (!skip) handle = await open()
  })
  afterAll(async () => {
    if (!skip) await handle.drop()
  })

  const browserA = browserIdFrom(undefined).id
  const browserB = browserIdFrom(undefined).id

  it.skipIf(skip)('case 54: the first sighting alerts nobody; a new browser or a new address does; a known pair does not', async () => {
    const userId = `u-${Math.random().toString(36).slice(2)}`
    const first = await noteSighting(handle.db, { userId, browserId: browserA, ip: '198.51.100.1', now: 1000 })
    expect(first).toEqual({ seenBefore: false, newBrowser: true, newAddress: true })
    expect(alertDue(first)).toBe(false)

    const again = await noteSighting(handle.db, { userId, browserId: browserA, ip: '198.51.100.1', now: 2000 })
    expect(again).toEqual({ seenBefore: true, newBrowser: false, newAddress: false })
    expect(alertDue(again)).toBe(false)

    const newBrowser = await noteSighting(handle.db, { userId, browserId: browserB, ip: '198.51.100.1', now: 3000 })
    expect(newBrowser).toEqual({ seenBefore: true, newBrowser: true, newAddress: false })
    expect(alertDue(newBrowser)).toBe(true)

    const newAddress = await noteSighting(handle.db, { userId, browserId: browserA, ip: '203.0.113.7', now: 4000 })
    expect(newAddress).toEqual({ seenBefore: true, newBrowser: false, newAddress: true })
    expect(alertDue(newAddress)).toBe(true)

    // Only hashes are kept, and a known one's last sighting moves on.
    const rows = await handle.db.selectFrom('known_sign_ins').selectAll().where('user_id', '=', userId).orderBy('first_seen_at').execute()
    expect(rows).toHaveLength(4)
    for (const row of rows) {
      expect(row.value_hash).toMatch(/^[0-9a-f]{64}$/)
      expect([browserA, browserB, '198.51.100.1', '203.0.113.7']).not.toContain(row.value_hash)
    }
    expect(rows.find((r) => r.kind === 'browser' && r.first_seen_at === 1000)?.last_seen_at).toBe(4000)
  })

  it.skipIf(skip)(
    'case 54: purging old sightings keeps each person’s last one, so a sign-in after a long absence still alerts',
    async () => {
      const userId = `u-${Math.random().toString(36).slice(2)}`
      const browserC = browserIdFrom(undefined).id
      await noteSighting(handle.db, { userId, browserId: browserA, ip: '198.51.100.1', now: 1000 })
      await noteSighting(handle.db, { userId, browserId: browserB, ip: '198.51.100.2', now: 2000 })
      const count = () => handle.db.selectFrom('known_sign_ins').select('kind').where('user_id', '=', userId).execute()
      expect(await count()).toHaveLength(4)
      // Everything is older than the cutoff: the browser and address of the last sign-in stay.
      await purgeMail(handle.db, 10_000, 10_000)
      const kept = await handle.db.selectFrom('known_sign_ins').select(['kind', 'last_seen_at']).where('user_id', '=', userId).execute()
      expect(kept.map((row) => [row.kind, row.last_seen_at]).sort()).toEqual([
        ['address', 2000],
        ['browser', 2000],
      ])
      const back = await noteSighting(handle.db, { userId, browserId: browserC, ip: '198.51.100.2', now: 50_000 })
      expect(back).toEqual({ seenBefore: true, newBrowser: true, newAddress: false })
      expect(alertDue(back)).toBe(true)
    },
  )

  it.skipIf(skip)('case 54: one user’s browsers are not another’s; an unknown address counts only the browser', async () => {
    const [one, two] = [`u-${Math.random()}`, `u-${Math.random()}`]
    await noteSighting(handle.db, { userId: one, browserId: browserA, ip: null, now: 1 })
    expect(await noteSighting(handle.db, { userId: two, browserId: browserA, ip: null, now: 2 })).toEqual({
      seenBefore: false,
      newBrowser: true,
      newAddress: false,
    })
    expect(await noteSighting(handle.db, { userId: one, browserId: browserA, ip: null, now: 3 })).toEqual({
      seenBefore: true,
      newBrowser: false,
      newAddress: false,
    })
  })
})

describe('the browser id and summary', () => {
  it('keeps a well-formed id and replaces anything else', () => {
    const fresh = browserIdFrom(undefined)
    expect(fresh.isNew).toBe(true)
    expect(fresh.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(browserIdFrom(fresh.id)).toEqual({ id: fresh.id, isNew: false })
    expect(browserIdFrom('short').isNew).toBe(true)
  })

  it('summarises common user agents', () => {
    expect(browserSummary('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36')).toBe(
      'Chrome, Linux',
    )
    expect(
      browserSummary('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'),
    ).toBe('Safari, macOS')
    expect(browserSummary('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe('Firefox, Windows')
    expect(browserSummary('curl/8.5.0')).toBe('curl')
    expect(browserSummary(null)).toBe('?')
  })
})
