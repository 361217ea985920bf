import 'server-only'
import fs from 'node:fs'
import path from 'node:path'
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely'
import type { Database as BetterSqlite3Database } from 'better-sqlite3'
import type { Database } from './schema'
import { createMigrationProvider, type Engine } from './migrations'

export type { Database } from './schema'

export interface DatabaseHandle {
  db: Kysely<Database>
  engine: Engine
}

const DEFAULT_SQLITE_PATH = '.data/bridge.db'

/** DATABASE_URL unset -> SQLite at .data/bridge.db; file:<path> -> SQLite there; postgres://... -> PostgreSQL. */
export async function openDatabase(databaseUrl: string | undefined): Promise<DatabaseHandle> {
  if (databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl)) {
    const pg = await import('pg')
    const Pool = pg.default.Pool
    const types = pg.default.types
    // BIGINT columns hold epoch milliseconds, well inside Number's exact range.
    const pool = new Pool({
      connectionString: databaseUrl,
      max: 10,
      connectionTimeoutMillis: 3000,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === types.builtins.INT8
            ? (value: string) => Number(value)
            : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
      },
    })
    // An idle client that loses its connection must not crash the process; the next query reconnects.
    pool.on('error', () => {})
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), engine: 'postgres' }
  }
  const file = databaseUrl ? databaseUrl.replace(/^file:/, '') : DEFAULT_SQLITE_PATH
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const { default: SQLite } = await import('better-sqlite3')
  const sqlite = new SQLite(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) }), engine: 'sqlite' }
}

const STATEMENT_CACHE_SIZE = 256

/**
 * Kysely prepares every query afresh, and preparing is most of a small SQLite query's cost. The
 * same few SQL texts run on every login, so their prepared statements are kept (bounded; the
 * oldest goes first). A statement still iterating (an export's stream) is busy: a second user of
 * the same SQL then gets a fresh one.
 */
function withStatementCache(sqlite: BetterSqlite3Database): SqliteDatabase {
  const cache = new Map<string, ReturnType<BetterSqlite3Database['prepare']>>()
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const cached = cache.get(sql)
      if (cached && !cached.busy) return cached
      const statement = sqlite.prepare(sql)
      if (!cached) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!)
        cache.set(sql, statement)
      }
      return statement
    },
  }
}

export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const migrator = new Migrator({ db: handle.db, provider: createMigrationProvider(handle.engine) })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
