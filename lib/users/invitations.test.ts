import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { inviteUser, reissueInvitation } from '../admin/user-actions'
import { listAuditPage, writeAudit } from '../admin/audit'
import { findUserByEmail, setUserPassword, verifyCredentials } from './directory'
import { acceptInvitation, findInvitation } from './invitations'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL invitation tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const ADMIN = { actor: 'root@example.com', ip: '192.0.2.7' }
const HOUR = 3600_000
const PASSWORD = 'a fine new password'

/** When the invitation was used, as stored (null while unused). */
async function invitationUsedAt(db: Kysely<Database>, token: string) {
  const hash = createHash('sha256').update(token).digest('hex')
  return (await db.selectFrom('invitations').select('used_at').where('token_hash', '=', hash).executeTakeFirstOrThrow()).used_at
}

function accepted(ip: string | null) {
  return (trx: Kysely<Database>, email: string, at: number) =>
    writeAudit(trx, { actor: email, ip }, { action: 'invitation.accepted', target: email, at })
}

for (const engine of engines) {
  describe.skipIf(engine.skip)(`invitations on ${engine.name}`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    it('adds an invited user who cannot sign in, stores only the hash of the token, and audits it', async () => {
      const now = Date.now()
      const { user, token, expiresAt } = await inviteUser(
        handle.db,
        ADMIN,
        { email: 'New@Example.com', name: 'New', isAdmin: true, groups: ['eng'], roles: [] },
        { ttlMs: 72 * HOUR, now },
      )
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(expiresAt).toBe(now + 72 * HOUR)
      expect(user).toMatchObject({ email: 'new@example.com', password_hash: '', is_admin: 1 })
      const rows = await handle.db.selectFrom('invitations').selectAll().execute()
      expect(rows).toEqual([
        {
          token_hash: createHash('sha256').update(token).digest('hex'),
          user_id: user.id,
          created_by: ADMIN.actor,
          created_at: now,
          expires_at: expiresAt,
          used_at: null,
        },
      ])
      expect(await verifyCredentials(handle.db, 'new@example.com', '')).toBeNull()
      const [row] = (await listAuditPage(handle.db)).items
      expect(row).toMatchObject({ actor: ADMIN.actor, action: 'user.invite', target: 'new@example.com', ip: ADMIN.ip })
      expect(JSON.parse(row!.detail!)).toEqual({ is_admin: true, groups: ['eng'], roles: [], expires_at: expiresAt })
      expect(row!.detail).not.toContain(token)
    })

    it('sets the password once: a second use, an expired link and an unknown one are refused', async () => {
      const user = (await findUserByEmail(handle.db, 'new@example.com'))!
      const { token } = await reissueInvitation(handle.db, ADMIN, user.id, { ttlMs: HOUR })
      expect(await findInvitation(handle.db, token)).toMatchObject({ ok: true, email: 'new@example.com' })
      expect(await acceptInvitation(handle.db, { token, password: 'short' }, accepted(null))).toEqual({
        ok: false,
        policy: 'Passwords need at least 8 characters.',
      })
      // Two submissions at once: one sets the password, the other is told the link was used.
      const results = await Promise.all([
        acceptInvitation(handle.db, { token, password: PASSWORD }, accepted('198.51.100.1')),
        acceptInvitation(handle.db, { token, password: 'another password' }, accepted('198.51.100.1')),
      ])
      expect(results.filter((r) => r.ok)).toEqual([{ ok: true, email: 'new@example.com' }])
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, problem: 'used' }])
      const winner = results[0]!.ok ? PASSWORD : 'another password'
      expect((await verifyCredentials(handle.db, 'new@example.com', winner))?.email).toBe('new@example.com')
      expect(await findInvitation(handle.db, token)).toEqual({ ok: false, problem: 'used' })
      const accepts = (await listAuditPage(handle.db)).items.filter((row) => row.action === 'invitation.accepted')
      expect(accepts.map(({ actor, target, ip }) => ({ actor, target, ip }))).toEqual([
        { actor: 'new@example.com', target: 'new@example.com', ip: '198.51.100.1' },
      ])

      await expect(reissueInvitation(handle.db, ADMIN, user.id, { ttlMs: HOUR })).rejects.toThrow(
        'new@example.com has set a password already; an invitation is only for a new user.',
      )
      expect(await findInvitation(handle.db, 'A'.repeat(43))).toEqual({ ok: false, problem: 'unknown' })
      expect(await findInvitation(handle.db, 'not a token')).toEqual({ ok: false, problem: 'unknown' })
    })

    it('ends an invitation when it expires or when a newer one is issued', async () => {
      const now = Date.now()
      const input = { email: 'late@example.com', name: 'Late', isAdmin: false, groups: [], roles: [] }
      const { user, token: first } = await inviteUser(handle.db, ADMIN, input, { ttlMs: HOUR, now })
      expect(await acceptInvitation(handle.db, { token: first, password: PASSWORD, now: now + HOUR }, accepted(null))).toEqual({
        ok: false,
        problem: 'expired',
      })
      const { token: second } = await reissueInvitation(handle.db, ADMIN, user.id, { ttlMs: HOUR })
      const { token: third } = await reissueInvitation(handle.db, ADMIN, user.id, { ttlMs: HOUR })
      expect(await findInvitation(handle.db, second)).toEqual({ ok: false, problem: 'expired' })
      expect(await acceptInvitation(handle.db, { token: third, password: PASSWORD }, accepted(null))).toEqual({
        ok: true,
        email: 'late@example.com',
      })
      expect((await findUserByEmail(handle.db, 'late@example.com'))!.password_hash).toMatch(/^\$argon2id\$/)
    })

    it('ends an invitation once the account has a password set another way (a reset link, the CLI)', async () => {
      const input = { email: 'reset-first@example.com', name: 'Reset first', isAdmin: false, groups: [], roles: [] }
      const { user, token } = await inviteUser(handle.db, ADMIN, input, { ttlMs: HOUR, now: Date.now() })
      expect(await findInvitation(handle.db, token)).toMatchObject({ ok: true })
      await setUserPassword(handle.db, user.email, 'chosen through a reset link')
      expect(await findInvitation(handle.db, token)).toEqual({ ok: false, problem: 'used' })
      expect(await acceptInvitation(handle.db, { token, password: PASSWORD }, accepted(null))).toEqual({ ok: false, problem: 'used' })
      expect((await verifyCredentials(handle.db, user.email, 'chosen through a reset link'))?.email).toBe(user.email)
      expect(await verifyCredentials(handle.db, user.email, PASSWORD)).toBeNull()
      expect(await invitationUsedAt(handle.db, token)).toBeNull()
    })
  })
}
