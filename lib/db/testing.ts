import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { migrateToLatest, openDatabase, type DatabaseHandle } from './'

// The engines the query tests run on. PostgreSQL is used when reachable; on a laptop without it
// the suite says it was skipped and why. CI sets REQUIRE_POSTGRES=1 so a missing server fails.

const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export async function postgresAvailable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return null
  } catch (error) {
    const reason = `PostgreSQL at ${POSTGRES_URL} is not reachable (${error instanceof Error ? error.message : String(error)})`
    if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`${reason}; REQUIRE_POSTGRES=1 makes this a failure.`)
    return reason
  } finally {
    await client.end().catch(() => {})
  }
}

export interface TestDatabase extends DatabaseHandle {
  drop(): Promise<void>
}

export async function openSqliteForTest(): Promise<TestDatabase> {
  const handle = await openDatabase('file::memory:')
  await migrateToLatest(handle)
  return { ...handle, drop: () => handle.db.destroy() }
}

/** A fresh schema per test file, dropped afterwards, so runs never see each other's rows. */
export async function openPostgresForTest(): Promise<TestDatabase> {
  const schema = `t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  await admin.end()
  const url = new URL(POSTGRES_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  // A test can tell its own sessions in pg_stat_activity: application_name = current_setting('application_name').
  url.searchParams.set('application_name', schema)
  const handle = await openDatabase(url.toString())
  await migrateToLatest(handle)
  return {
    ...handle,
    async drop() {
      await handle.db.destroy()
      const cleanup = new pg.Client({ connectionString: POSTGRES_URL })
      await cleanup.connect()
      await cleanup.query(`drop schema ${schema} cascade`)
      await cleanup.end()
    },
  }
}
