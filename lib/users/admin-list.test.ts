import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { listDirectoryPage, USERS_PAGE_SIZE } from './admin-list'

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL admin user list tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const row = (n: number, extra: Partial<{ name: string; email: string; disabled: number; is_admin: number; groups: string }> = {}) => ({
  id: `u${String(n).padStart(3, '0')}`,
  email: `user${String(n).padStart(3, '0')}@example.com`,
  name: `User ${n}`,
  password_hash: 'not-a-hash',
  is_admin: 0,
  disabled: 0,
  email_verified: 0,
  groups: '[]',
  roles: '[]',
  created_at: 1_000 + n,
  updated_at: 1_000 + n,
  ...extra,
})

for (const engine of engines) {
  describe.skipIf(engine.skip)(`the admin area's user list on ${engine.name}`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
      const rows = Array.from({ length: USERS_PAGE_SIZE + 5 }, (_, i) => row(i))
      rows.push(
        row(900, { email: 'zoe_100%@example.com', name: 'Zoë Percent', disabled: 1, is_admin: 1, groups: '["finance","eng"]' }),
        row(901, { email: 'zoe1100x@example.com', name: 'Zoe Underscore' }),
      )
      await handle.db.insertInto('users').values(rows).execute()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    it('pages through every user in email order, 50 at a time, without the password hash', async () => {
      const first = await listDirectoryPage(handle.db)
      expect(first.items).toHaveLength(USERS_PAGE_SIZE)
      expect(first.items[0]).toEqual({
        id: 'u000',
        email: 'user000@example.com',
        name: 'User 0',
        isAdmin: false,
        disabled: false,
        emailVerified: false,
        groups: [],
        roles: [],
        createdAt: 1_000,
        lastSignInAt: null,
        invited: false,
        factors: 'password',
      })
      expect(first.next).toBe('user049@example.com')
      const second = await listDirectoryPage(handle.db, { after: first.next! })
      expect(second.items.map((user) => user.email)).toEqual([
        'user050@example.com',
        'user051@example.com',
        'user052@example.com',
        'user053@example.com',
        'user054@example.com',
        'zoe1100x@example.com',
        'zoe_100%@example.com',
      ])
      expect(second.next).toBeNull()
    })

    it('searches email and name, ignoring case, and takes % and _ literally', async () => {
      const emails = async (q: string) => (await listDirectoryPage(handle.db, { q })).items.map((user) => user.email)
      expect(await emails('ZOË')).toEqual(['zoe_100%@example.com'])
      expect(await emails('underscore')).toEqual(['zoe1100x@example.com'])
      expect(await emails('_100%')).toEqual(['zoe_100%@example.com'])
      expect(await emails('%')).toEqual(['zoe_100%@example.com'])
      expect(await emails('user05')).toHaveLength(5)
      expect(await emails('nobody')).toEqual([])
      const [zoe] = (await listDirectoryPage(handle.db, { q: 'percent' })).items
      expect(zoe).toMatchObject({ disabled: true, isAdmin: true, groups: ['finance', 'eng'] })
    })

    it('shows the last sign-in, an invited user, and the factors of each user as counts', async () => {
      await handle.db.updateTable('users').set({ last_sign_in_at: 1_700_000_000_000 }).where('id', '=', 'u001').execute()
      await handle.db.updateTable('users').set({ password_hash: '' }).where('id', '=', 'u002').execute()
      await handle.db
        .insertInto('totp_factors')
        .values({ user_id: 'u001', sealed_key: 'k', confirmed_at: 1, last_step: 0, created_at: 1 })
        .execute()
      await handle.db
        .insertInto('totp_factors')
        .values({ user_id: 'u003', sealed_key: 'k', confirmed_at: null, last_step: 0, created_at: 1 })
        .execute()
      const passkey = {
        name: 'k',
        public_key: 'pk',
        counter: 0,
        transports: '[]',
        device_type: 'singleDevice',
        backed_up: 0,
        created_at: 1,
        last_used_at: null,
      }
      await handle.db
        .insertInto('passkeys')
        .values([
          { ...passkey, id: 'c1', user_id: 'u001' },
          { ...passkey, id: 'c2', user_id: 'u001' },
          { ...passkey, id: 'c3', user_id: 'u003' },
        ])
        .execute()
      await handle.db
        .insertInto('recovery_codes')
        .values(['a', 'b', 'c'].map((code, i) => ({ user_id: 'u001', code_hash: code, used_at: i === 0 ? 5 : null, created_at: 1 })))
        .execute()
      const items = (await listDirectoryPage(handle.db, { q: 'user00' })).items
      expect(items.slice(0, 4).map(({ email, lastSignInAt, invited, factors }) => ({ email, lastSignInAt, invited, factors }))).toEqual([
        { email: 'user000@example.com', lastSignInAt: null, invited: false, factors: 'password' },
        {
          email: 'user001@example.com',
          lastSignInAt: 1_700_000_000_000,
          invited: false,
          factors: 'password, authenticator, 2 passkeys, 2 recovery codes',
        },
        { email: 'user002@example.com', lastSignInAt: null, invited: true, factors: 'none yet' },
        { email: 'user003@example.com', lastSignInAt: null, invited: false, factors: 'password, 1 passkey' },
      ])
    })
  })
}
