import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { accountKey, admitPasswordResetRequest } from './throttle'

// Case 51: forgot-password requests are counted per address asked for (known or not) and per
// client address, for an hour, on both engines; a refused request says only when to try again.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL reset throttle tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const HOUR = 3600_000
const limits = { perAccount: 2, perAddress: 4 }

for (const engine of engines) {
  describe.skipIf(engine.skip)(`forgot-password throttle on ${engine.name} (case 51)`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    const ask = (email: string, ip: string | null, now: number) => admitPasswordResetRequest(handle.db, email, ip, limits, now)

    it('case 51: allows the per-account limit an hour, from any client address, then says when to try again', async () => {
      expect(await ask('Reset@Example.test', '10.1.0.1', 1_000)).toEqual({ allowed: true })
      expect(await ask(' reset@example.TEST', '10.1.0.2', 2_000)).toEqual({ allowed: true })
      expect(await ask('reset@example.test', '10.1.0.3', 61_000)).toEqual({ allowed: false, retryAfterMs: HOUR - 60_000 })
      // The window starts again an hour after its first request.
      expect(await ask('reset@example.test', '10.1.0.4', 1_000 + HOUR)).toEqual({ allowed: true })
      const keys = await handle.db.selectFrom('sign_in_throttle').select('key').where('key', 'like', 'reset:%').execute()
      expect(keys.map((row) => row.key)).toContain(`reset:${accountKey('reset@example.test')}`)
      // No address in the table: the account key is a hash.
      expect(keys.some((row) => row.key.includes('example'))).toBe(false)
    })

    it('case 51: counts an unknown address exactly like any other (the request never looks it up)', async () => {
      const verdicts = []
      for (let i = 0; i < 3; i += 1) verdicts.push(await ask('nobody-at-all@example.test', `10.2.0.${i}`, 5_000))
      expect(verdicts.map((v) => v.allowed)).toEqual([true, true, false])
    })

    it('case 51: holds one client address to its limit across many accounts, under its own key', async () => {
      const verdicts = []
      for (let i = 0; i < 5; i += 1) verdicts.push(await ask(`spray-${i}@example.test`, '10.3.0.1', 10_000))
      expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, true, false])
      const row = await handle.db
        .selectFrom('sign_in_throttle')
        .selectAll()
        .where('key', '=', 'reset:ip:10.3.0.1')
        .executeTakeFirstOrThrow()
      expect(Number(row.failures)).toBe(5)
      // Another address is not held by it.
      expect(await ask('spray-9@example.test', '10.3.0.2', 10_000)).toEqual({ allowed: true })
      // Sign-in counts are separate keys: nothing was counted against the sign-in throttle.
      expect(await handle.db.selectFrom('sign_in_throttle').selectAll().where('key', '=', 'ip:10.3.0.1').executeTakeFirst()).toBeUndefined()
    })
  })
}
