import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateHOTP } from '@oslojs/otp'
import { decodeBase32IgnorePadding } from '@oslojs/encoding'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { acceptTotpCode, pendingTotpEnrolment, removeTotp, startTotpEnrolment } from './totp'
import { redeemRecoveryCode, replaceRecoveryCodes } from './recovery'
import { factorsOf, secondStepAfterPassword } from './status'
import { sealKey, unsealKey } from './sealed'

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL second-factor tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const SECRET = 'factor-test-secret-0123456789abcdef0123'
const user = { id: 'u-totp', email: 'totp@example.com' }
const T0 = 1_800_000_000_000

/** The code an authenticator app shows `steps` 30-second steps after T0. */
function codeAt(keyText: string, steps: number): string {
  const key = decodeBase32IgnorePadding(keyText.replace(/ /g, ''))
  return generateHOTP(key, BigInt(Math.floor(T0 / 30_000) + steps), 6)
}

describe('authenticator keys at rest', () => {
  it('open only with the secret they were sealed with', () => {
    const sealed = sealKey(SECRET, new Uint8Array([1, 2, 3]))
    expect(sealed.startsWith('v1.')).toBe(true)
    expect([...unsealKey(SECRET, sealed)!]).toEqual([1, 2, 3])
    expect(unsealKey('another-secret-0123456789abcdef01234567', sealed)).toBeNull()
    // Another tag of the same length (its first byte changed, so no padding bit can hide the change).
    const [version, iv, body, tag] = sealed.split('.')
    const bytes = Buffer.from(tag!, 'base64url')
    bytes[0] = bytes[0]! ^ 0xff
    expect(unsealKey(SECRET, [version, iv, body, bytes.toString('base64url')].join('.'))).toBeNull()
  })
})

describe('the second step after a password', () => {
  const none = { totp: false, recoveryCodesLeft: 0, passkeys: [] }
  it('asks for a code when there is an authenticator or a recovery code, enrolment when required and none', () => {
    expect(secondStepAfterPassword({ ...none, totp: true }, false)).toBe('code')
    expect(secondStepAfterPassword({ ...none, recoveryCodesLeft: 1 }, false)).toBe('code')
    expect(secondStepAfterPassword(none, false)).toBeNull()
    expect(secondStepAfterPassword(none, true)).toBe('enrol')
    expect(secondStepAfterPassword({ ...none, passkeys: [{} as never] }, true)).toBe('passkey')
    expect(secondStepAfterPassword({ ...none, passkeys: [{} as never] }, false)).toBeNull()
  })
})

for (const engine of engines) {
  describe.skipIf(engine.skip)(`authenticator and recovery codes on ${engine.name}`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    it('enrols with a first code, then accepts each later step once and never an older one', async () => {
      const enrolment = (await startTotpEnrolment(handle.db, SECRET, user, 'login.example.com'))!
      expect(enrolment.uri).toMatch(
        /^otpauth:\/\/totp\/login\.example\.com:totp%40example\.com\?issuer=login\.example\.com&algorithm=SHA1&secret=[A-Z2-7]{32}&period=30&digits=6$/,
      )
      expect(await pendingTotpEnrolment(handle.db, SECRET, user, 'login.example.com')).toEqual(enrolment)
      // Not on yet: a sign-in code is refused as having no authenticator.
      expect(await acceptTotpCode(handle.db, SECRET, user.id, codeAt(enrolment.keyText, 0), { now: T0 })).toBe('none')
      expect(await acceptTotpCode(handle.db, SECRET, user.id, '000000', { confirm: true, now: T0 })).not.toBe('accepted')
      expect(await acceptTotpCode(handle.db, SECRET, user.id, codeAt(enrolment.keyText, 0), { confirm: true, now: T0 })).toBe('accepted')
      expect((await factorsOf(handle.db, user.id)).totp).toBe(true)
      // Enrolling again needs the old one removed first.
      expect(await startTotpEnrolment(handle.db, SECRET, user, 'login.example.com')).toBeNull()

      // The same code again, even within its 30 seconds: a replay.
      expect(await acceptTotpCode(handle.db, SECRET, user.id, codeAt(enrolment.keyText, 0), { now: T0 + 5_000 })).toBe('replayed')
      // The next step's code (one step of clock drift ahead is allowed), once.
      expect(await acceptTotpCode(handle.db, SECRET, user.id, codeAt(enrolment.keyText, 1), { now: T0 + 5_000 })).toBe('accepted')
      expect(await acceptTotpCode(handle.db, SECRET, user.id, codeAt(enrolment.keyText, 1), { now: T0 + 31_000 })).toBe('replayed')
      // Two steps away is no longer drift.
      expect(await acceptTotpCode(handle.db, SECRET, user.id, codeAt(enrolment.keyText, 4), { now: T0 + 31_000 })).toBe('wrong')
      expect(await acceptTotpCode(handle.db, SECRET, user.id, '12345', { now: T0 })).toBe('wrong')
      // Under another AUTH_SECRET the key cannot be read: every code is wrong.
      expect(
        await acceptTotpCode(handle.db, 'another-secret-0123456789abcdef01234567', user.id, codeAt(enrolment.keyText, 3), {
          now: T0 + 90_000,
        }),
      ).toBe('wrong')

      await removeTotp(handle.db, user.id)
      expect((await factorsOf(handle.db, user.id)).totp).toBe(false)
    })

    it('starts one enrolment when two start at once, and shows the key that was kept', async () => {
      const racer = { id: 'u-race', email: 'race@example.com' }
      const both = await Promise.all([
        startTotpEnrolment(handle.db, SECRET, racer, 'login.example.com'),
        startTotpEnrolment(handle.db, SECRET, racer, 'login.example.com'),
      ])
      const kept = await pendingTotpEnrolment(handle.db, SECRET, racer, 'login.example.com')
      expect(kept).not.toBeNull()
      expect(both).toContainEqual(kept)
      expect(await handle.db.selectFrom('totp_factors').select('user_id').where('user_id', '=', racer.id).execute()).toHaveLength(1)
    })

    it('gives ten recovery codes, each usable once, and a new set replaces the old', async () => {
      const codes = await replaceRecoveryCodes(handle.db, user.id)
      expect(codes).toHaveLength(10)
      expect(new Set(codes).size).toBe(10)
      for (const code of codes)
        expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/)
      const stored = await handle.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.id).execute()
      expect(stored.map((row) => row.code_hash).some((hash) => codes.includes(hash))).toBe(false)

      expect(await redeemRecoveryCode(handle.db, user.id, codes[0]!)).toBe(true)
      expect(await redeemRecoveryCode(handle.db, user.id, codes[0]!)).toBe(false)
      // Typed in lower case without dashes: the same code.
      expect(await redeemRecoveryCode(handle.db, user.id, codes[1]!.toLowerCase().replace(/-/g, ''))).toBe(true)
      expect(await redeemRecoveryCode(handle.db, 'someone-else', codes[2]!)).toBe(false)
      expect((await factorsOf(handle.db, user.id)).recoveryCodesLeft).toBe(8)

      const fresh = await replaceRecoveryCodes(handle.db, user.id)
      expect(await redeemRecoveryCode(handle.db, user.id, codes[2]!)).toBe(false)
      expect(await redeemRecoveryCode(handle.db, user.id, fresh[0]!)).toBe(true)
      expect((await factorsOf(handle.db, user.id)).recoveryCodesLeft).toBe(9)
    })
  })
}
