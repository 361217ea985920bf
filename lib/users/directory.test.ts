import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMigrator, migrateToLatest } from '../db'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { addUser, findUserByEmail, setUserGroups, setUserRoles, UserDirectoryError, userGroups, userRoles } from './directory'

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL user directory tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const PASSWORD = 'correct horse'

for (const engine of engines) {
  describe.skipIf(engine.skip)(`user groups and roles on ${engine.name}`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    const stored = async (email: string) => {
      const row = await handle.db
        .selectFrom('users')
        .select(['groups', 'roles', 'updated_at'])
        .where('email', '=', email)
        .executeTakeFirst()
      return row
    }

    it('stores groups and roles given to addUser, duplicates dropped in first-seen order', async () => {
      const user = await addUser(handle.db, {
        email: 'Ann@Example.com',
        name: 'Ann',
        password: PASSWORD,
        groups: ['eng', 'Site Reliability', 'eng', 'ops'],
        roles: ['editor', 'editor'],
      })
      expect(userGroups(user)).toEqual(['eng', 'Site Reliability', 'ops'])
      expect(await stored('ann@example.com')).toMatchObject({ groups: '["eng","Site Reliability","ops"]', roles: '["editor"]' })
      const found = await findUserByEmail(handle.db, 'ann@example.com')
      expect(userGroups(found!)).toEqual(['eng', 'Site Reliability', 'ops'])
      expect(userRoles(found!)).toEqual(['editor'])
    })

    it('gives a user added without groups or roles empty lists', async () => {
      await addUser(handle.db, { email: 'bea@example.com', name: 'Bea', password: PASSWORD })
      expect(await stored('bea@example.com')).toMatchObject({ groups: '[]', roles: '[]' })
    })

    it('replaces and clears the lists, and answers with what it stored', async () => {
      const before = (await stored('ann@example.com'))!.updated_at
      await new Promise((resolve) => setTimeout(resolve, 5))
      expect(await setUserGroups(handle.db, ' ANN@example.com ', ['ops', 'admins', 'ops'])).toEqual(['ops', 'admins'])
      expect(await setUserRoles(handle.db, 'ann@example.com', ['viewer'])).toEqual(['viewer'])
      const after = await stored('ann@example.com')
      expect(after).toMatchObject({ groups: '["ops","admins"]', roles: '["viewer"]' })
      expect(after!.updated_at).toBeGreaterThan(before)
      expect(await setUserGroups(handle.db, 'ann@example.com', [])).toEqual([])
      expect(await setUserRoles(handle.db, 'ann@example.com', [])).toEqual([])
      expect(await stored('ann@example.com')).toMatchObject({ groups: '[]', roles: '[]' })
      // The other user is untouched.
      expect(await stored('bea@example.com')).toMatchObject({ groups: '[]', roles: '[]' })
    })

    it('refuses an unknown email', async () => {
      await expect(setUserGroups(handle.db, 'nobody@example.com', ['eng'])).rejects.toThrow(
        new UserDirectoryError('No user with the email nobody@example.com.'),
      )
      await expect(setUserRoles(handle.db, 'Nobody@Example.com', [])).rejects.toThrow('No user with the email nobody@example.com.')
    })

    it('refuses bad names with a message naming the value, and stores nothing', async () => {
      await setUserGroups(handle.db, 'bea@example.com', ['keep'])
      const cases: Array<[string[], string]> = [
        [[''], 'The group name "" must not be empty.'],
        [['x'.repeat(65)], `The group name "${'x'.repeat(65)}" must be at most 64 characters.`],
        [[' eng'], 'The group name " eng" must not start or end with whitespace.'],
        [['eng\t'], 'The group name "eng\\t" must not start or end with whitespace.'],
        [['eng,ops'], 'The group name "eng,ops" must not contain a comma.'],
        [['a\u0007b'], 'The group name "a\\u0007b" must contain only printable characters.'],
        [['a\u202eb'], `The group name "a\u202eb" must contain only printable characters.`],
        [['ok', 'a\nb'], 'The group name "a\\nb" must contain only printable characters.'],
        [Array.from({ length: 101 }, (_, i) => `g${i}`), 'A user can have at most 100 groups (got 101).'],
        [
          Array.from({ length: 40 }, (_, i) => `${'g'.repeat(60)}${i}`),
          "A user's groups can take at most 2000 bytes together (these take 2591); use fewer or shorter names.",
        ],
      ]
      for (const [names, message] of cases) {
        await expect(setUserGroups(handle.db, 'bea@example.com', names), message).rejects.toThrow(new UserDirectoryError(message))
      }
      await expect(setUserRoles(handle.db, 'bea@example.com', ['a,b'])).rejects.toThrow('The role name "a,b" must not contain a comma.')
      await expect(addUser(handle.db, { email: 'cy@example.com', name: 'Cy', password: PASSWORD, roles: [' r'] })).rejects.toThrow(
        'The role name " r" must not start or end with whitespace.',
      )
      expect(await findUserByEmail(handle.db, 'cy@example.com')).toBeUndefined()
      expect(await stored('bea@example.com')).toMatchObject({ groups: '["keep"]', roles: '[]' })
    })

    it('accepts 64 characters (not UTF-16 units), inner spaces and exactly 100 distinct names', async () => {
      const emoji = '\u{1F600}'.repeat(64)
      expect(await setUserGroups(handle.db, 'bea@example.com', [emoji, 'a b', 'é'])).toEqual([emoji, 'a b', 'é'])
      const hundred = Array.from({ length: 100 }, (_, i) => `r${i}`)
      expect(await setUserRoles(handle.db, 'bea@example.com', [...hundred, 'r0', 'r99'])).toEqual(hundred)
      expect(userRoles((await findUserByEmail(handle.db, 'bea@example.com'))!)).toEqual(hundred)
    })
  })

  describe.skipIf(engine.skip)(`migration 0005 on ${engine.name}`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    it('gives existing users empty lists, and its down step removes the columns again', async () => {
      const migrator = await createMigrator(handle)
      const down = await migrator.migrateTo('0004_ledger_servers')
      expect(down.error).toBeUndefined()
      expect(down.results?.map((r) => [r.migrationName, r.direction])).toEqual([
        ['0009_email', 'Down'],
        ['0008_audit_outbox', 'Down'],
        ['0007_factors_and_user_admin', 'Down'],
        ['0006_ledger_auth_methods', 'Down'],
        ['0005_user_groups_and_roles', 'Down'],
      ])
      await sql`insert into users (id, email, name, password_hash, created_at, updated_at)
                values ('u1', 'old@example.com', 'Old', 'hash', 1, 1)`.execute(handle.db)
      expect(await migrateToLatest(handle)).toEqual([
        '0005_user_groups_and_roles',
        '0006_ledger_auth_methods',
        '0007_factors_and_user_admin',
        '0008_audit_outbox',
        '0009_email',
      ])
      const row = await handle.db.selectFrom('users').selectAll().where('id', '=', 'u1').executeTakeFirstOrThrow()
      expect(row).toMatchObject({ groups: '[]', roles: '[]' })
      expect(userGroups(row)).toEqual([])
    })
  })
}

describe('reading stored lists', () => {
  it('reads anything that is not a JSON array of good names as no names', () => {
    const read = (groups: string) => userGroups({ groups })
    expect(read('["eng","ops"]')).toEqual(['eng', 'ops'])
    for (const bad of ['', 'not json', '{"eng":true}', '"eng"', 'null', '42']) expect(read(bad), bad).toEqual([])
    expect(read('["eng", 7, null, "", " ops", "a,b", "eng", "x\\u0000", "ok"]')).toEqual(['eng', 'ok'])
    expect(userRoles({ roles: JSON.stringify(Array.from({ length: 150 }, (_, i) => `r${i}`)) })).toHaveLength(100)
  })
})
