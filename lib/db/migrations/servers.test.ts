import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { createMigrator, migrateToLatest } from '..'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../testing'

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL migration 0004 test: ${pgSkipReason}`)

for (const engine of [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]) {
  describe.skipIf(engine.skip)(`migration 0004 on ${engine.name}`, () => {
    let handle: TestDatabase
    beforeAll(async () => {
      handle = await engine.open()
    })
    afterAll(async () => {
      await handle?.drop()
    })

    it('gives every existing login request the single-connection server key, and its down step removes it', async () => {
      const migrator = await createMigrator(handle)
      const down = await migrator.migrateTo('0003_sign_in_throttle')
      expect(down.error).toBeUndefined()
      expect(down.results?.map((r) => [r.migrationName, r.direction])).toEqual([
        ['0009_email', 'Down'],
        ['0008_audit_outbox', 'Down'],
        ['0007_factors_and_user_admin', 'Down'],
        ['0006_ledger_auth_methods', 'Down'],
        ['0005_user_groups_and_roles', 'Down'],
        ['0004_ledger_servers', 'Down'],
      ])
      await sql`insert into login_requests (id, connection_id, state_hash, status, created_at, updated_at, expires_at)
                values ('lri_old', 'conn_1', 'hash', 'completed', 1, 1, 2)`.execute(handle.db)
      expect(await migrateToLatest(handle)).toEqual([
        '0004_ledger_servers',
        '0005_user_groups_and_roles',
        '0006_ledger_auth_methods',
        '0007_factors_and_user_admin',
        '0008_audit_outbox',
        '0009_email',
      ])
      const row = await handle.db.selectFrom('login_requests').selectAll().where('id', '=', 'lri_old').executeTakeFirstOrThrow()
      // Rows from before 0006 do not know how their person signed in.
      expect(row).toMatchObject({ server_key: 'default', status: 'completed', auth_methods: null })
    })
  })
}
