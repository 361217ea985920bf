import { afterAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { openPostgresForTest, postgresAvailable, type TestDatabase } from './testing'
import { createMigrationProvider } from './migrations'

const skipReason = await postgresAvailable()
if (skipReason) console.warn(`SKIPPED (PostgreSQL migrations): ${skipReason}`)

describe.skipIf(skipReason !== null)('migrations on PostgreSQL, one schema beside another', () => {
  const opened: TestDatabase[] = []
  afterAll(async () => {
    for (const handle of opened.reverse()) await handle.drop()
  })

  it("migrates a schema of its own while another schema of the same database has Kysely's tables", async () => {
    // openPostgresForTest migrates a fresh schema: the second one must not read the first one's history.
    opened.push(await openPostgresForTest())
    const second = await openPostgresForTest()
    opened.push(second)
    const names = Object.keys(await createMigrationProvider('postgres').getMigrations())
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(second.db)
    expect(applied.rows.map((r) => r.name)).toEqual(names.sort())
    const schema = await sql<{ s: string }>`select current_schema() as s`.execute(second.db)
    const tables = await sql<{ n: string }>`select count(*)::text as n from information_schema.tables
      where table_schema = ${schema.rows[0]!.s} and table_name in ('kysely_migration', 'kysely_migration_lock', 'login_requests')`.execute(
      second.db,
    )
    expect(tables.rows[0]!.n).toBe('3')
  })
})
