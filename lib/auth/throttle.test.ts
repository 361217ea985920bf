import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import {
  accountKey,
  beginAttempt,
  forgiveAttempt,
  purgeThrottle,
  recordFailure,
  recordSourceFault,
  ipKey,
  waitMinutes,
  type ThrottleLimits,
} from './throttle'

// Case 22: per-account and per-IP throttling with a temporary lockout, on both engines.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL throttle tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const limits: ThrottleLimits = { perAccount: 3, perIp: 5, windowMs: 60_000, lockoutMs: 120_000 }

for (const engine of engines) {
  describe.skipIf(engine.skip)(`sign-in throttle on ${engine.name} (case 22)`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    /** One sign-in that fails, as lib/auth/config.ts runs it: begin, then count the failure. */
    const fail = async (email: string, ip: string, now: number) => {
      const verdict = await beginAttempt(handle.db, email, ip, limits, now)
      if (verdict.allowed) await recordFailure(handle.db, email, ip, limits, now)
      return verdict
    }
    const failures = async (email: string, ip: string, count: number, now: number) => {
      const verdicts = []
      for (let i = 0; i < count; i += 1) verdicts.push(await fail(email, ip, now))
      return verdicts
    }

    it('allows the per-account limit, then locks the account from any address for the lockout', async () => {
      const verdicts = await failures('Ada@Example.test', '10.0.0.1', 4, 1_000)
      expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false])
      expect(verdicts[3]).toEqual({ allowed: false, retryAfterMs: 120_000 })
      // The same account, another address and another spelling of the email: still locked.
      expect(await beginAttempt(handle.db, ' ada@example.TEST', '10.0.0.2', limits, 60_000)).toEqual({
        allowed: false,
        retryAfterMs: 61_000,
      })
      // Temporary: once the lockout is over, the account may try again.
      expect(await beginAttempt(handle.db, 'ada@example.test', '10.0.0.3', limits, 121_001)).toEqual({ allowed: true })
    })

    it('an unknown email is counted exactly like a known one (nothing tells them apart)', async () => {
      const verdicts = await failures('nobody-here@example.test', '10.0.1.1', 4, 1_000)
      expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false])
    })

    it('locks an address after its failures across many accounts, without locking those accounts elsewhere', async () => {
      const verdicts = []
      for (let i = 0; i < 6; i += 1) verdicts.push(await fail(`spray-${i}@example.test`, '10.0.2.1', 5_000))
      expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, true, true, false])
      expect(await beginAttempt(handle.db, 'spray-0@example.test', '10.0.2.2', limits, 6_000)).toEqual({ allowed: true })
      expect(await beginAttempt(handle.db, 'fresh@example.test', '10.0.2.1', limits, 6_000)).toEqual({
        allowed: false,
        retryAfterMs: 119_000,
      })
    })

    it('case 31: many people signing in at once from one address are held to its allowance, and successes never lock it', async () => {
      const verdicts = await Promise.all(
        Array.from({ length: 40 }, (_, i) => beginAttempt(handle.db, `office-${i}@example.test`, '10.0.7.1', limits, 1_000)),
      )
      // A burst of attempts with different emails cannot all run before the first failure is written.
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(limits.perIp)
      expect(verdicts.find((v) => !v.allowed)).toEqual({ allowed: false, retryAfterMs: 30_000 })
      await Promise.all(Array.from({ length: 40 }, (_, i) => forgiveAttempt(handle.db, `office-${i}@example.test`, '10.0.7.1')))
      expect(await beginAttempt(handle.db, 'office-next@example.test', '10.0.7.1', limits, 2_000)).toEqual({ allowed: true })
    })

    it('case 31: an IPv6 address counts with its whole /64', async () => {
      expect(ipKey('2001:db8:7:8::1')).toBe(ipKey('2001:0db8:0007:0008:ffff:eeee:dddd:cccc'))
      expect(ipKey('2001:db8:7:8::1')).not.toBe(ipKey('2001:db8:7:9::1'))
      expect(ipKey('203.0.113.9')).toBe('ip:203.0.113.9')
      const verdicts = []
      for (let i = 1; i <= 6; i += 1) verdicts.push(await fail(`v6-${i}@example.test`, `2001:db8:7:8::${i.toString(16)}`, 5_000))
      expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, true, true, false])
      expect((await beginAttempt(handle.db, 'v6-fresh@example.test', '2001:db8:7:8:1:2:3:4', limits, 6_000)).allowed).toBe(false)
      expect(await beginAttempt(handle.db, 'v6-fresh@example.test', '2001:db8:7:9::1', limits, 6_000)).toEqual({ allowed: true })
    })

    it('a success forgives the account; a source that did not answer gives the account its attempt back but counts for the address (case 37)', async () => {
      await failures('grace@example.test', '10.0.3.1', 2, 1_000)
      // The source could not answer: not the account's failure, but one of the address.
      await beginAttempt(handle.db, 'grace@example.test', '10.0.3.1', limits, 1_000)
      await recordSourceFault(handle.db, 'grace@example.test', '10.0.3.1', limits, 1_000)
      expect(await beginAttempt(handle.db, 'grace@example.test', '10.0.3.1', limits, 1_000)).toEqual({ allowed: true })
      await forgiveAttempt(handle.db, 'grace@example.test', '10.0.3.1')
      expect((await failures('grace@example.test', '10.0.3.2', 3, 2_000)).every((v) => v.allowed)).toBe(true)
      const ip = await handle.db
        .selectFrom('sign_in_throttle')
        .select('failures')
        .where('key', '=', 'ip:10.0.3.1')
        .executeTakeFirstOrThrow()
      expect(ip.failures).toBe(3)
    })

    it('a window that ran out starts counting again', async () => {
      await failures('slow@example.test', '10.0.4.1', 2, 1_000)
      expect(await beginAttempt(handle.db, 'slow@example.test', '10.0.4.1', limits, 61_001)).toEqual({ allowed: true })
      const row = await handle.db
        .selectFrom('sign_in_throttle')
        .selectAll()
        .where('key', '=', accountKey('slow@example.test'))
        .executeTakeFirstOrThrow()
      expect(row).toMatchObject({ failures: 1, window_started_at: 61_001, locked_until: null })
    })

    it('parallel guesses at one account cannot all slip in before the first failure is written', async () => {
      const verdicts = await Promise.all(
        Array.from({ length: 12 }, () => beginAttempt(handle.db, 'burst@example.test', '10.0.5.1', limits, 1_000)),
      )
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(3)
    })

    it('a burst of sign-ins in flight is held to the allowance, but only failures lock the account', async () => {
      const verdicts = await Promise.all(
        Array.from({ length: 10 }, () => beginAttempt(handle.db, 'busy@example.test', '10.0.8.1', limits, 1_000)),
      )
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(3)
      expect(verdicts.find((v) => !v.allowed)).toEqual({ allowed: false, retryAfterMs: 30_000 })
      // The ones in flight succeed: the account is clean again and never locked.
      await forgiveAttempt(handle.db, 'busy@example.test', '10.0.8.1')
      expect(await beginAttempt(handle.db, 'busy@example.test', '10.0.8.1', limits, 2_000)).toEqual({ allowed: true })
      const row = await handle.db
        .selectFrom('sign_in_throttle')
        .selectAll()
        .where('key', '=', accountKey('busy@example.test'))
        .executeTakeFirstOrThrow()
      expect(row.locked_until).toBeNull()
    })

    it('stores no email, only its hash', async () => {
      await beginAttempt(handle.db, 'private@example.test', null, limits, 1_000)
      const keys = (await handle.db.selectFrom('sign_in_throttle').select('key').execute()).map((r) => r.key)
      expect(keys.some((key) => key.includes('private'))).toBe(false)
      expect(keys).toContain(accountKey('private@example.test'))
    })

    it('the purge drops rows whose window and lockout are over, and keeps live locks', async () => {
      await failures('purge-me@example.test', '10.0.6.1', 4, 500_000)
      const purged = await purgeThrottle(handle.db, limits.windowMs, 10_000_000)
      expect(purged).toBeGreaterThan(0)
      expect(await handle.db.selectFrom('sign_in_throttle').select('key').execute()).toEqual([])
      await failures('locked@example.test', '10.0.6.2', 4, 20_000_000)
      await purgeThrottle(handle.db, limits.windowMs, 20_000_000 + 61_000)
      expect(await beginAttempt(handle.db, 'locked@example.test', '10.0.6.3', limits, 20_000_000 + 62_000)).toMatchObject({
        allowed: false,
      })
    })
  })
}

describe('the lockout sentence', () => {
  it('names whole minutes, rounded up', () => {
    expect([1, 60_000, 60_001, 900_000].map(waitMinutes)).toEqual([1, 1, 2, 15])
  })
})
