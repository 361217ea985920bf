import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import type { User } from '../db/schema'
import { addUser } from '../users/directory'
import { accountKey, type ThrottleLimits } from '../auth/throttle'
import {
  authenticationOptions,
  checkPasskeySignIn,
  finishRegistration,
  passkeyName,
  passkeysOf,
  registrationOptions,
  removePasskey,
  renamePasskey,
} from './passkeys'
import type { RelyingParty } from './passkey-challenges'
import { SoftAuthenticator } from './soft-authenticator.test-helper'

// Passkeys on both engines, with a software authenticator: registration, sign-in, single-use
// challenges, the signature counter (a cloned authenticator), throttling, rename and removal.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL passkey tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const rp: RelyingParty = {
  name: 'login.example.test',
  id: 'login.example.test',
  origin: 'https://login.example.test',
  secret: 'x'.repeat(40),
}
const limits: ThrottleLimits = { perAccount: 3, perIp: 50, windowMs: 60_000, lockoutMs: 120_000 }

for (const engine of engines) {
  describe.skipIf(engine.skip)(`passkeys on ${engine.name}`, () => {
    let handle: TestDatabase
    let user: User
    let counter = 0
    beforeAll(async () => {
      handle = await engine.open()
      user = await newUser()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    const newUser = () => addUser(handle.db, { email: `u${(counter += 1)}@example.test`, name: 'Ada', password: 'a long enough password' })

    async function register(owner: User, authenticator = new SoftAuthenticator(rp.id, rp.origin), name = 'Laptop') {
      const { options, token } = await registrationOptions(handle.db, rp, owner)
      const result = await finishRegistration(handle.db, rp, owner.id, { token, response: authenticator.register(options.challenge), name })
      return { authenticator, result, options }
    }

    async function signIn(
      authenticator: SoftAuthenticator,
      owner: User,
      options: { counter?: number; ip?: string; loginRequestId?: string } = {},
    ) {
      const issued = await authenticationOptions(rp, options.loginRequestId)
      const response = authenticator.assert(issued.options.challenge, owner.id, { counter: options.counter })
      return checkPasskeySignIn(handle.db, rp, {
        token: issued.token,
        response,
        loginRequestId: options.loginRequestId,
        ip: options.ip ?? '10.1.0.1',
        limits,
      })
    }

    it('registers a passkey for this RP, with user verification required and the user excluded from duplicates', async () => {
      const { options, result, authenticator } = await register(user)
      expect(options.rp).toEqual({ name: rp.name, id: rp.id })
      expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' })
      expect(result).toMatchObject({ ok: true, passkey: { id: authenticator.id, user_id: user.id, name: 'Laptop', counter: 0 } })
      const stored = await passkeysOf(handle.db, user.id)
      expect(stored).toHaveLength(1)
      expect(stored[0]).toMatchObject({
        id: authenticator.id,
        device_type: 'singleDevice',
        backed_up: 0,
        transports: '["internal"]',
        last_used_at: null,
      })
      const again = await registrationOptions(handle.db, rp, user)
      expect(again.options.excludeCredentials).toEqual([{ id: authenticator.id, type: 'public-key', transports: ['internal'] }])
    })

    it('refuses a registration from another origin, without user verification, for another user, or with a spent token', async () => {
      const other = await newUser()
      const { options, token } = await registrationOptions(handle.db, rp, other)
      const wrongOrigin = new SoftAuthenticator(rp.id, 'https://evil.example.test')
      expect(
        await finishRegistration(handle.db, rp, other.id, { token, response: wrongOrigin.register(options.challenge), name: 'x' }),
      ).toEqual({
        ok: false,
        reason: 'refused',
      })
      // The same token again: its challenge was spent by the refused attempt.
      const fine = new SoftAuthenticator(rp.id, rp.origin)
      expect(await finishRegistration(handle.db, rp, other.id, { token, response: fine.register(options.challenge), name: 'x' })).toEqual({
        ok: false,
        reason: 'used',
      })
      const second = await registrationOptions(handle.db, rp, other)
      const noUv = new SoftAuthenticator(rp.id, rp.origin, { userVerified: false })
      expect(
        await finishRegistration(handle.db, rp, other.id, {
          token: second.token,
          response: noUv.register(second.options.challenge),
          name: 'x',
        }),
      ).toEqual({
        ok: false,
        reason: 'refused',
      })
      const third = await registrationOptions(handle.db, rp, other)
      // A token issued to `other` cannot register a passkey for `user`.
      expect(
        await finishRegistration(handle.db, rp, user.id, {
          token: third.token,
          response: fine.register(third.options.challenge),
          name: 'x',
        }),
      ).toEqual({
        ok: false,
        reason: 'expired',
      })
      expect(await passkeysOf(handle.db, other.id)).toEqual([])
    })

    it('refuses a challenge token after five minutes', async () => {
      vi.useFakeTimers({ toFake: ['Date'] })
      try {
        const start = Date.now()
        const { options, token } = await registrationOptions(handle.db, rp, user)
        const inTime = await registrationOptions(handle.db, rp, user)
        vi.setSystemTime(start + 299_000)
        const early = new SoftAuthenticator(rp.id, rp.origin)
        const response = early.register(inTime.options.challenge)
        expect(await finishRegistration(handle.db, rp, user.id, { token: inTime.token, response, name: 'x' })).toMatchObject({ ok: true })
        vi.setSystemTime(start + 301_000)
        const late = new SoftAuthenticator(rp.id, rp.origin)
        expect(await finishRegistration(handle.db, rp, user.id, { token, response: late.register(options.challenge), name: 'x' })).toEqual({
          ok: false,
          reason: 'expired',
        })
      } finally {
        vi.useRealTimers()
      }
    })

    it('signs in with a discoverable passkey: hwk for a single-device one, swk for a synced one; counter and last use stored', async () => {
      const owner = await newUser()
      const { authenticator } = await register(owner)
      const issued = await authenticationOptions(rp)
      expect(issued.options.allowCredentials).toBeUndefined()
      expect(issued.options.userVerification).toBe('required')
      expect(await signIn(authenticator, owner)).toMatchObject({ ok: true, user: { id: owner.id }, amr: ['hwk', 'mfa'] })
      const [stored] = await passkeysOf(handle.db, owner.id)
      expect(stored?.counter).toBe(1)
      expect(stored?.last_used_at).toBeGreaterThan(0)

      const synced = await register(owner, new SoftAuthenticator(rp.id, rp.origin, { synced: true }), 'Phone')
      expect(synced.result).toMatchObject({ ok: true, passkey: { device_type: 'multiDevice', backed_up: 1 } })
      expect(await signIn(synced.authenticator, owner)).toMatchObject({ ok: true, amr: ['swk', 'mfa'] })
    })

    it('uses a challenge once, and only for the login request it was issued for', async () => {
      const owner = await newUser()
      const { authenticator } = await register(owner)
      const issued = await authenticationOptions(rp, 'lr_one')
      const response = authenticator.assert(issued.options.challenge, owner.id)
      const input = { token: issued.token, response, ip: '10.1.0.2', limits }
      expect(await checkPasskeySignIn(handle.db, rp, { ...input, loginRequestId: 'lr_two' })).toEqual({ ok: false, reason: 'expired' })
      expect(await checkPasskeySignIn(handle.db, rp, { ...input, loginRequestId: 'lr_one' })).toMatchObject({ ok: true })
      expect(await checkPasskeySignIn(handle.db, rp, { ...input, loginRequestId: 'lr_one' })).toEqual({ ok: false, reason: 'used' })
    })

    it('refuses a cloned authenticator whose counter did not increase, and logs it without the credential', async () => {
      const owner = await newUser()
      const { authenticator } = await register(owner)
      expect(await signIn(authenticator, owner, { counter: 5 })).toMatchObject({ ok: true })
      const log = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
      try {
        expect(await signIn(authenticator, owner, { counter: 3 })).toMatchObject({ ok: false, reason: 'cloned' })
        expect(await signIn(authenticator, owner, { counter: 5 })).toMatchObject({ ok: false, reason: 'cloned' })
        const lines = log.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('passkey_counter_refused'))
        expect(lines).toHaveLength(2)
        expect(lines[0]).toContain('"stored":5')
        expect(lines[0]).not.toContain(authenticator.id)
      } finally {
        log.mockRestore()
      }
      const [stored] = await passkeysOf(handle.db, owner.id)
      expect(stored?.counter).toBe(5)
      expect(await signIn(authenticator, owner, { counter: 6 })).toMatchObject({ ok: true })
    })

    it('counts refused assertions against the account and locks it; an unknown passkey counts against the address', async () => {
      const owner = await newUser()
      const { authenticator } = await register(owner)
      const wrongSigner = new SoftAuthenticator(rp.id, rp.origin)
      Object.defineProperty(wrongSigner, 'id', { value: authenticator.id })
      for (let i = 0; i < 3; i += 1)
        expect(await signIn(wrongSigner, owner, { ip: '10.2.0.1' })).toMatchObject({ ok: false, reason: 'refused' })
      const locked = await signIn(authenticator, owner, { ip: '10.2.0.2' })
      expect(locked).toMatchObject({ ok: false, reason: 'throttled' })
      expect(locked.ok === false && locked.reason === 'throttled' && locked.retryAfterMs).toBeGreaterThan(100_000)
      const throttle = await handle.db
        .selectFrom('sign_in_throttle')
        .selectAll()
        .where('key', '=', accountKey(owner.email))
        .executeTakeFirst()
      expect(throttle?.locked_until).toBeGreaterThan(Date.now())

      const stranger = new SoftAuthenticator(rp.id, rp.origin)
      expect(await signIn(stranger, owner, { ip: '10.3.0.1' })).toEqual({ ok: false, reason: 'unknown' })
      const address = await handle.db.selectFrom('sign_in_throttle').selectAll().where('key', '=', 'ip:10.3.0.1').executeTakeFirst()
      expect(address?.failures).toBe(1)
    })

    it('refuses a disabled user with a good passkey', async () => {
      const owner = await newUser()
      const { authenticator } = await register(owner)
      await handle.db.updateTable('users').set({ disabled: 1 }).where('id', '=', owner.id).execute()
      expect(await signIn(authenticator, owner)).toMatchObject({ ok: false, reason: 'disabled' })
    })

    it('renames and removes only the owner’s passkey; names are 1 to 60 printable characters', async () => {
      const owner = await newUser()
      const intruder = await newUser()
      const { authenticator } = await register(owner)
      expect(await renamePasskey(handle.db, intruder.id, authenticator.id, 'Mine now')).toBe(false)
      expect(await removePasskey(handle.db, intruder.id, authenticator.id)).toBe(false)
      expect(await renamePasskey(handle.db, owner.id, authenticator.id, 'Work laptop')).toBe(true)
      expect((await passkeysOf(handle.db, owner.id))[0]?.name).toBe('Work laptop')
      expect(await removePasskey(handle.db, owner.id, authenticator.id)).toBe(true)
      expect(await passkeysOf(handle.db, owner.id)).toEqual([])
      expect([
        passkeyName('  Phone '),
        passkeyName(''),
        passkeyName('a'.repeat(61)),
        passkeyName('é'.repeat(60)),
        passkeyName('a\u0000b'),
      ]).toEqual(['Phone', null, null, 'é'.repeat(60), null])
    })
  })
}
