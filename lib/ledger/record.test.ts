import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { claimLoginRequest } from './claim'
import {
  findLoginRequest,
  listLoginEvents,
  recordLoginCompleted,
  recordLoginFailed,
  recordLoginReceived,
  recordLoginRejected,
} from './record'
import { purgeUntouched, UNTOUCHED_GRACE_MS } from './retention'
import { recordLoginDenied } from './denied'
import { earlierSubmissionUnanswered } from './submissions'
import { addUser, findUserByEmail, setUserDisabled, verifyCredentials } from '../users/directory'

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL ledger and directory tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

for (const engine of engines) {
  describe.skipIf(engine.skip)(`ledger and directory on ${engine.name}`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    const received = (id: string) => ({
      loginRequestId: id,
      connectionId: 'conn_1',
      serverKey: 'default',
      stateHash: 'hash',
      ttlSeconds: 600,
      ip: '127.0.0.1',
      userAgent: 'vitest',
    })
    const claimant = { source: 'local', sub: 'u1', email: 'a@x.io', signedInAt: 1_000, amr: ['pwd', 'otp'] }

    it('records a login request once, however often the page is loaded', async () => {
      const first = await recordLoginReceived(handle.db, received('lri_once'), 1_000)
      const again = await recordLoginReceived(handle.db, received('lri_once'), 2_000)
      expect(first).toMatchObject({ id: 'lri_once', status: 'pending', created_at: 1_000, expires_at: 601_000 })
      expect(again.created_at).toBe(1_000)
      expect((await listLoginEvents(handle.db, 'lri_once')).map((e) => e.type)).toEqual(['received'])
    })

    it('lets exactly one of many concurrent claims win', async () => {
      await recordLoginReceived(handle.db, received('lri_race'), 1_000)
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          claimLoginRequest(handle.db, { loginRequestId: 'lri_race', stateHash: 'hash', serverKey: 'default' }, claimant, 2_000),
        ),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await findLoginRequest(handle.db, 'lri_race')).toMatchObject({
        status: 'submitting',
        user_email: 'a@x.io',
        submitted_at: 2_000,
      })
    })

    it('case 37: claims only with the state the request first arrived with', async () => {
      await recordLoginReceived(handle.db, received('lri_state'), 1_000)
      expect(
        await claimLoginRequest(handle.db, { loginRequestId: 'lri_state', stateHash: 'invented', serverKey: 'default' }, null, 2_000),
      ).toBe(false)
      expect(await findLoginRequest(handle.db, 'lri_state')).toMatchObject({ status: 'pending', submitted_at: null })
      expect(
        await claimLoginRequest(handle.db, { loginRequestId: 'lri_state', stateHash: 'hash', serverKey: 'default' }, null, 2_000),
      ).toBe(true)
    })

    it('case 32: writes no event for a login request id nobody received, and purges untouched requests hours after expiry', async () => {
      await recordLoginRejected(handle.db, 'lri_made_up', { code: 'cross_site', message: 'refused' }, 2_000)
      await recordLoginFailed(handle.db, 'lri_made_up', { code: 'scalekit_closed', message: 'closed', retryable: false }, 2_000)
      expect(await listLoginEvents(handle.db, 'lri_made_up')).toEqual([])

      const arrived = Date.UTC(2026, 0, 1)
      await recordLoginReceived(handle.db, received('lri_untouched'), arrived)
      await recordLoginReceived(handle.db, received('lri_touched'), arrived)
      await recordLoginRejected(handle.db, 'lri_touched', { code: 'state_mismatch', message: 'mismatch' }, arrived + 1000)
      const expiry = arrived + 600_000
      // Still kept until some hours after expiry, then gone with its events; a touched one stays.
      await purgeUntouched(handle.db, expiry + UNTOUCHED_GRACE_MS - 1)
      expect(await findLoginRequest(handle.db, 'lri_untouched')).toMatchObject({ status: 'pending' })
      const purged = await purgeUntouched(handle.db, expiry + UNTOUCHED_GRACE_MS + 1)
      expect(purged.loginRequests).toBeGreaterThanOrEqual(1)
      expect(await findLoginRequest(handle.db, 'lri_untouched')).toBeUndefined()
      expect(await listLoginEvents(handle.db, 'lri_untouched')).toEqual([])
      expect(await findLoginRequest(handle.db, 'lri_touched')).toMatchObject({ status: 'pending', error_code: 'state_mismatch' })
    })

    it('refuses to claim an expired request', async () => {
      await recordLoginReceived(handle.db, received('lri_old'), 1_000)
      expect(
        await claimLoginRequest(handle.db, { loginRequestId: 'lri_old', stateHash: 'hash', serverKey: 'default' }, claimant, 601_000),
      ).toBe(false)
    })

    it('keeps the whole life of a completed request', async () => {
      await recordLoginReceived(handle.db, received('lri_done'), 1_000)
      await claimLoginRequest(handle.db, { loginRequestId: 'lri_done', stateHash: 'hash', serverKey: 'default' }, claimant, 2_000)
      await recordLoginCompleted(
        handle.db,
        'lri_done',
        { authRequestId: 'ar_1', claims: { sub: 'u1', email: 'a@x.io', emailVerified: false }, status: 'completed' },
        3_000,
      )
      const row = await findLoginRequest(handle.db, 'lri_done')
      expect(row).toMatchObject({ status: 'completed', auth_request_id: 'ar_1', finished_at: 3_000, identity_source: 'local' })
      // How the person signed in, as the claimant said (RFC 8176 values, space-separated).
      expect(row!.auth_methods).toBe('pwd otp')
      expect(JSON.parse(row!.claims!)).toEqual({ sub: 'u1', email: 'a@x.io', emailVerified: false })
      expect((await listLoginEvents(handle.db, 'lri_done')).map((e) => e.type)).toEqual(['received', 'signed_in', 'submitted', 'completed'])
      expect(
        await claimLoginRequest(handle.db, { loginRequestId: 'lri_done', stateHash: 'hash', serverKey: 'default' }, claimant, 4_000),
      ).toBe(false)
    })

    it('notes a completion known from a refused repeat after a lost answer, with no authRequestId', async () => {
      await recordLoginReceived(handle.db, received('lri_lost'), 1_000)
      await claimLoginRequest(handle.db, { loginRequestId: 'lri_lost', stateHash: 'hash', serverKey: 'default' }, claimant, 2_000)
      const claims = { sub: 'u1', email: 'a@x.io', emailVerified: false }
      await recordLoginCompleted(
        handle.db,
        'lri_lost',
        { authRequestId: null, claims, status: 'completed', note: 'first_answer_lost' },
        3_000,
      )
      expect(await findLoginRequest(handle.db, 'lri_lost')).toMatchObject({
        status: 'completed',
        auth_request_id: null,
        error_message: null,
      })
      const completed = (await listLoginEvents(handle.db, 'lri_lost')).at(-1)
      expect(completed?.type).toBe('completed')
      expect(JSON.parse(completed!.detail!)).toEqual({ authRequestId: null, note: 'first_answer_lost' })
    })

    it('tells whether an earlier submission went unanswered by Scalekit (a timeout, an outage)', async () => {
      const take = (id: string, at: number) =>
        claimLoginRequest(handle.db, { loginRequestId: id, stateHash: 'hash', serverKey: 'default' }, claimant, at)
      await recordLoginReceived(handle.db, received('lri_first_try'), 1_000)
      await take('lri_first_try', 2_000)
      expect(await earlierSubmissionUnanswered(handle.db, 'lri_first_try')).toBe(false)

      // A wrong password or a failed source is no submission to Scalekit.
      await recordLoginReceived(handle.db, received('lri_answered'), 1_000)
      await recordLoginFailed(handle.db, 'lri_answered', { code: 'source_timeout', message: 'no answer', retryable: true }, 1_500)
      expect(await earlierSubmissionUnanswered(handle.db, 'lri_answered')).toBe(false)

      for (const code of ['scalekit_timeout', 'scalekit_unavailable']) {
        const id = `lri_unanswered_${code}`
        await recordLoginReceived(handle.db, received(id), 1_000)
        await take(id, 2_000)
        await recordLoginFailed(handle.db, id, { code, message: 'no answer', retryable: true }, 3_000)
        await take(id, 4_000)
        expect(await earlierSubmissionUnanswered(handle.db, id)).toBe(true)
      }
    })

    it('returns a passing failure to pending and closes a final one', async () => {
      await recordLoginReceived(handle.db, received('lri_retry'), 1_000)
      await claimLoginRequest(handle.db, { loginRequestId: 'lri_retry', stateHash: 'hash', serverKey: 'default' }, claimant, 2_000)
      await recordLoginFailed(handle.db, 'lri_retry', { code: 'scalekit_timeout', message: 'DeadlineExceeded', retryable: true }, 3_000)
      expect(await findLoginRequest(handle.db, 'lri_retry')).toMatchObject({ status: 'pending', error_code: 'scalekit_timeout' })
      expect(
        await claimLoginRequest(handle.db, { loginRequestId: 'lri_retry', stateHash: 'hash', serverKey: 'default' }, claimant, 4_000),
      ).toBe(true)
      await recordLoginFailed(
        handle.db,
        'lri_retry',
        { code: 'scalekit_invalid_id', message: 'NotFound: invalid ID', retryable: false },
        5_000,
      )
      expect(await findLoginRequest(handle.db, 'lri_retry')).toMatchObject({
        status: 'failed',
        error_code: 'scalekit_invalid_id',
        finished_at: 5_000,
      })
    })

    it('records a rejection without closing the request, except expiry', async () => {
      await recordLoginReceived(handle.db, received('lri_forged'), 1_000)
      await recordLoginRejected(handle.db, 'lri_forged', { code: 'state_mismatch', message: 'mismatch' }, 2_000)
      expect(await findLoginRequest(handle.db, 'lri_forged')).toMatchObject({ status: 'pending', error_code: 'state_mismatch' })
      await recordLoginRejected(handle.db, 'lri_forged', { code: 'expired', message: 'expired' }, 3_000)
      expect(await findLoginRequest(handle.db, 'lri_forged')).toMatchObject({ status: 'expired', error_code: 'expired' })
      expect((await listLoginEvents(handle.db, 'lri_forged')).map((e) => e.type)).toEqual(['received', 'rejected', 'expired'])
    })

    it('keeps a denied request open for another account, and only for the server it arrived for', async () => {
      await recordLoginReceived(handle.db, { ...received('lri_denied'), serverKey: 'finance' }, 1_000)
      const denial = {
        source: 'local',
        sub: 'u1',
        email: 'bob@example.com',
        signedInAt: 1_500,
        amr: ['pwd'],
        rule: 'not in any of the groups: finance',
      }
      await recordLoginDenied(handle.db, 'lri_denied', denial, 2_000)
      expect(await findLoginRequest(handle.db, 'lri_denied')).toMatchObject({
        status: 'denied',
        server_key: 'finance',
        user_email: 'bob@example.com',
        error_code: 'denied',
        error_message: 'not in any of the groups: finance',
        auth_methods: 'pwd',
        finished_at: null,
      })
      const take = (serverKey: string, at: number) =>
        claimLoginRequest(handle.db, { loginRequestId: 'lri_denied', stateHash: 'hash', serverKey }, claimant, at)
      expect(await take('crm', 3_000)).toBe(false)
      expect(await take('finance', 3_000)).toBe(true)
      expect(await findLoginRequest(handle.db, 'lri_denied')).toMatchObject({
        status: 'submitting',
        user_email: claimant.email,
        auth_methods: 'pwd otp',
      })
      // A denial arriving after another account took the request changes nothing.
      await recordLoginDenied(handle.db, 'lri_denied', denial, 4_000)
      expect(await findLoginRequest(handle.db, 'lri_denied')).toMatchObject({ status: 'submitting' })
      expect((await listLoginEvents(handle.db, 'lri_denied')).map((e) => e.type).sort()).toEqual([
        'denied',
        'received',
        'signed_in',
        'submitted',
      ])
    })

    it('keeps denied, with its rule, when the refused person then cancels', async () => {
      await recordLoginReceived(handle.db, { ...received('lri_denied_cancel'), serverKey: 'finance' }, 1_000)
      const denial = { source: 'local', sub: 'u1', email: 'bob@example.com', signedInAt: 1_500, rule: 'has none of the roles: auditor' }
      await recordLoginDenied(handle.db, 'lri_denied_cancel', denial, 2_000)
      const take = { loginRequestId: 'lri_denied_cancel', stateHash: 'hash', serverKey: 'finance' }
      expect(await claimLoginRequest(handle.db, take, null, 3_000)).toBe(true)
      await recordLoginCompleted(
        handle.db,
        'lri_denied_cancel',
        { authRequestId: '', claims: { loginFailed: true }, status: 'cancelled' },
        4_000,
      )
      expect(await findLoginRequest(handle.db, 'lri_denied_cancel')).toMatchObject({
        status: 'denied',
        error_code: 'denied',
        error_message: 'has none of the roles: auditor',
        finished_at: 4_000,
      })
      // A plain cancel still ends cancelled, without an earlier sign-in failure on the row.
      await recordLoginReceived(handle.db, received('lri_plain_cancel'), 1_000)
      await recordLoginRejected(handle.db, 'lri_plain_cancel', { code: 'state_mismatch', message: 'mismatch' }, 1_500)
      expect(
        await claimLoginRequest(handle.db, { loginRequestId: 'lri_plain_cancel', stateHash: 'hash', serverKey: 'default' }, null, 2_000),
      ).toBe(true)
      await recordLoginCompleted(
        handle.db,
        'lri_plain_cancel',
        { authRequestId: '', claims: { loginFailed: true }, status: 'cancelled' },
        3_000,
      )
      expect(await findLoginRequest(handle.db, 'lri_plain_cancel')).toMatchObject({ status: 'cancelled', error_code: null })
    })

    it('stores argon2id hashes and verifies credentials without telling unknown from wrong', async () => {
      const user = await addUser(handle.db, { email: 'Bob@Example.com', name: 'Bob', password: 'correct horse' })
      expect(user.email).toBe('bob@example.com')
      const stored = await findUserByEmail(handle.db, 'BOB@example.com')
      expect(stored?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
      expect((await verifyCredentials(handle.db, 'bob@example.com', 'correct horse'))?.id).toBe(user.id)
      expect(await verifyCredentials(handle.db, 'bob@example.com', 'wrong horse!')).toBeNull()
      expect(await verifyCredentials(handle.db, 'nobody@example.com', 'correct horse')).toBeNull()
      await setUserDisabled(handle.db, 'bob@example.com', true)
      expect(await verifyCredentials(handle.db, 'bob@example.com', 'correct horse')).toBeNull()
      await expect(addUser(handle.db, { email: 'bob@example.com', name: 'Bob', password: 'another one' })).rejects.toThrow(/already exists/)
      await expect(addUser(handle.db, { email: 'c@example.com', name: 'C', password: 'short' })).rejects.toThrow(/at least 8/)
      await expect(addUser(handle.db, { email: 'd@example.com', name: 'D', password: 'x'.repeat(129) })).rejects.toThrow(/at most 128/)
    })
  })
}
