import 'server-only'
import type { Kysely } from 'kysely'
import { getEnv } from '../env'
import { migrateToLatest, openDatabase, type Database, type DatabaseHandle } from './index'

let ready: Promise<DatabaseHandle> | undefined

async function connect(): Promise<DatabaseHandle> {
  const handle = await openDatabase(getEnv().DATABASE_URL)
  try {
    await migrateToLatest(handle)
  } catch (error) {
    await handle.db.destroy().catch(() => {})
    throw error
  }
  return handle
}

/**
 * The process-wide database, migrated on first use. A failed attempt is not cached, so the
 * bridge recovers by itself when the database comes back.
 */
export async function getDb(): Promise<Kysely<Database>> {
  ready ??= connect().catch((error: unknown) => {
    ready = undefined
    throw error
  })
  return (await ready).db
}
