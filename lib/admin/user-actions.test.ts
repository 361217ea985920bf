import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { addUser, findUserByEmail, verifyCredentials } from '../users/directory'
import { disableUser, enableUser, resetFactors, setNames, signOutEverywhere } from './user-actions'
import { listAuditPage } from './audit'

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL admin user action tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const PASSWORD = 'correct horse'
const ADMIN = { actor: 'root@example.com', ip: '192.0.2.7' }

for (const engine of engines) {
  describe.skipIf(engine.skip)(`admin user actions on ${engine.name}`, () => {
    let handle: TestDatabase
    let annId: string
    beforeAll(async () => {
      handle = await engine.open()
      annId = (await addUser(handle.db, { email: 'ann@example.com', name: 'Ann', password: PASSWORD, groups: ['eng'] })).id
      await addUser(handle.db, { email: 'root@example.com', name: 'Root', password: PASSWORD, isAdmin: true })
    })
    afterAll(async () => {
      await handle?.drop()
    })

    const user = async (email: string) => (await findUserByEmail(handle.db, email))!
    const audit = async () =>
      (await listAuditPage(handle.db)).items.map(({ actor, action, target, ip, detail }) => ({ actor, action, target, ip, detail }))

    it('disables a user, ending their sessions, and enables them again, each with its audit row', async () => {
      await disableUser(handle.db, ADMIN, annId, 1_700_000_000_000)
      expect(await user('ann@example.com')).toMatchObject({ disabled: 1, sessions_revoked_at: 1_700_000_000_000 })
      expect(await verifyCredentials(handle.db, 'ann@example.com', PASSWORD)).toBeNull()
      await enableUser(handle.db, ADMIN, annId, 1_700_000_000_500)
      expect(await user('ann@example.com')).toMatchObject({ disabled: 0, sessions_revoked_at: 1_700_000_000_000 })
      expect((await verifyCredentials(handle.db, 'ann@example.com', PASSWORD))?.email).toBe('ann@example.com')
      expect(await audit()).toEqual([
        { actor: ADMIN.actor, action: 'user.enable', target: 'ann@example.com', ip: ADMIN.ip, detail: '{"disabled":false}' },
        {
          actor: ADMIN.actor,
          action: 'user.disable',
          target: 'ann@example.com',
          ip: ADMIN.ip,
          detail: '{"disabled":true,"sessions_revoked_at":1700000000000}',
        },
      ])
    })

    it('refuses an admin disabling their own account, writing nothing', async () => {
      const root = await user('root@example.com')
      await expect(disableUser(handle.db, { actor: 'ROOT@example.com', ip: null }, root.id)).rejects.toThrow(
        'You cannot disable your own account.',
      )
      expect((await user('root@example.com')).disabled).toBe(0)
      expect(await audit()).toHaveLength(2)
    })

    it('signs a user out everywhere, themselves included', async () => {
      const root = await user('root@example.com')
      await signOutEverywhere(handle.db, ADMIN, root.id, 1_700_000_001_000)
      expect((await user('root@example.com')).sessions_revoked_at).toBe(1_700_000_001_000)
      expect((await audit())[0]).toEqual({
        actor: ADMIN.actor,
        action: 'user.sign_out_everywhere',
        target: 'root@example.com',
        ip: ADMIN.ip,
        detail: '{"sessions_revoked_at":1700000001000}',
      })
    })

    it('sets groups and roles, recording before and after, and refuses a bad name without a row', async () => {
      expect(await setNames(handle.db, ADMIN, annId, 'groups', ['ops', 'eng', 'ops'])).toEqual(['ops', 'eng'])
      expect(await setNames(handle.db, ADMIN, annId, 'roles', ['editor'])).toEqual(['editor'])
      expect(await user('ann@example.com')).toMatchObject({ groups: '["ops","eng"]', roles: '["editor"]' })
      const [roles, groups] = await audit()
      expect(groups).toMatchObject({
        action: 'user.set_groups',
        target: 'ann@example.com',
        detail: '{"before":["eng"],"after":["ops","eng"]}',
      })
      expect(roles).toMatchObject({ action: 'user.set_roles', target: 'ann@example.com', detail: '{"before":[],"after":["editor"]}' })
      const rows = (await audit()).length
      await expect(setNames(handle.db, ADMIN, annId, 'groups', ['a,b'])).rejects.toThrow('The group name "a,b" must not contain a comma.')
      expect(await audit()).toHaveLength(rows)
      expect((await user('ann@example.com')).groups).toBe('["ops","eng"]')
    })

    it('resets second factors in one go, and refuses an admin their own when factors are required', async () => {
      const now = 1_700_000_002_000
      await handle.db
        .insertInto('totp_factors')
        .values({ user_id: annId, sealed_key: 'k', confirmed_at: now, last_step: 0, created_at: now })
        .execute()
      await handle.db
        .insertInto('recovery_codes')
        .values(['a', 'b'].map((code) => ({ user_id: annId, code_hash: code, used_at: null, created_at: now })))
        .execute()
      const passkey = {
        name: 'key',
        public_key: 'pk',
        counter: 0,
        transports: '[]',
        device_type: 'singleDevice',
        backed_up: 0,
        created_at: now,
      }
      await handle.db
        .insertInto('passkeys')
        .values({ ...passkey, id: 'cred-ann', user_id: annId, last_used_at: null })
        .execute()
      const root = await user('root@example.com')
      await handle.db
        .insertInto('passkeys')
        .values({ ...passkey, id: 'cred-root', user_id: root.id, last_used_at: null })
        .execute()

      await resetFactors(handle.db, ADMIN, annId, { localMfa: 'required', now })
      for (const table of ['totp_factors', 'recovery_codes', 'passkeys'] as const) {
        expect(await handle.db.selectFrom(table).select('user_id').where('user_id', '=', annId).execute()).toEqual([])
      }
      expect((await audit())[0]).toMatchObject({
        action: 'user.reset_factors',
        target: 'ann@example.com',
        detail: '{"authenticators":1,"recovery_codes":2,"passkeys":1}',
      })

      await expect(resetFactors(handle.db, ADMIN, root.id, { localMfa: 'required' })).rejects.toThrow(
        'Second factors are required here, so you cannot reset your own; ask another administrator.',
      )
      expect(await handle.db.selectFrom('passkeys').select('id').where('user_id', '=', root.id).execute()).toEqual([{ id: 'cred-root' }])
      await resetFactors(handle.db, ADMIN, root.id, { localMfa: 'optional' })
      expect(await handle.db.selectFrom('passkeys').select('id').where('user_id', '=', root.id).execute()).toEqual([])
    })

    it('refuses a user who no longer exists', async () => {
      await expect(enableUser(handle.db, ADMIN, 'no-such-id')).rejects.toThrow('This user no longer exists.')
    })

    it('pages the audit log newest first, 50 to a page', async () => {
      const total = (await listAuditPage(handle.db, { limit: 1000 })).items.length
      for (let i = 0; i < 60; i++) await signOutEverywhere(handle.db, { actor: 'cli:ops', ip: null }, annId, 1_700_000_003_000 + i)
      const first = await listAuditPage(handle.db)
      expect(first.items).toHaveLength(50)
      expect(first.items[0]).toMatchObject({ actor: 'cli:ops', ip: null, detail: '{"sessions_revoked_at":1700000003059}' })
      const second = await listAuditPage(handle.db, { before: first.next! })
      expect(second.items).toHaveLength(total + 10)
      expect(second.next).toBeNull()
      expect(second.items[0]!.id).toBe(first.items[49]!.id - 1)
      expect((await listAuditPage(handle.db, { target: 'root@example.com' })).items.map((row) => row.action)).toEqual([
        'user.reset_factors',
        'user.sign_out_everywhere',
      ])
    })
  })
}
