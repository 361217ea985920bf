import 'server-only'
import type { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely'
import type { Database as BetterSqlite3Database } from 'better-sqlite3'
import type { Database } from './schema'
import { createMigrationProvider, type Engine } from './migrations'

export type { Database } from './schema'

export interface DatabaseHandle {
  db: Kysely<Database>
  engine: Engine
}

const DEFAULT_SQLITE_PATH = '.data/bridge.db'
/**
 * Connections of the PostgreSQL pool. An export holds one for its whole download (a server-side
 * cursor), and at most MAX_CURSOR_EXPORTS do at once (lib/ledger/queries.ts): the rest serve the
 * logins and the admin pages.
 */
export const POSTGRES_POOL_MAX = 10

/** DATABASE_URL unset -> SQLite at .data/bridge.db; file:<path> -> SQLite there; postgres://... -> PostgreSQL. */
export async function openDatabase(databaseUrl: string | undefined): Promise<DatabaseHandle> {
  if (databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl)) {
    const pg = await import('pg')
    const Pool = pg.default.Pool
    const types = pg.default.types
    // BIGINT columns hold epoch milliseconds, well inside Number's exact range.
    const pool = new Pool({
      connectionString: databaseUrl,
      max: POSTGRES_POOL_MAX,
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
    // Nor one in use (an export holds one for its whole download): its query fails with the error,
    // and the pool drops it when it comes back.
    pool.on('connect', (client) => client.on('error', () => {}))
    const cursor = await cursorClass()
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool, cursor }) }), engine: 'postgres' }
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
    prepare(text: string) {
      // Every transaction takes the write lock when it begins (Kysely sends a plain "begin"): a
      // deferred one that read first and writes after another connection wrote fails at once with
      // SQLITE_BUSY_SNAPSHOT, which busy_timeout cannot wait out; an immediate one waits its turn.
      const sql = text === 'begin' ? 'begin immediate' : text
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

/**
 * pg-cursor, except that closing a cursor whose connection has ended resolves: pg-cursor waits for
 * the server's ReadyForQuery, which a dead connection never sends, and Kysely gives the connection
 * back to the pool only once the cursor is closed.
 */
async function cursorClass() {
  const { default: Cursor } = await import('pg-cursor')
  return class ExportCursor<Row> extends Cursor<Row> {
    override close(): Promise<void>
    override close(callback: (err: Error) => void): undefined
    override close(callback?: (err: Error) => void): Promise<void> | undefined {
      const connection = (this as unknown as { connection: CursorConnection | null }).connection
      if (callback || !connection) return super.close(callback)
      if (connection.stream.destroyed) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        const ended = () => resolve()
        connection.once('end', ended)
        super
          .close()
          .then(resolve, reject)
          .finally(() => connection.off('end', ended))
      })
    }
  }
}

type CursorConnection = EventEmitter & { stream: { destroyed: boolean } }

/**
 * The migrator for this database. On PostgreSQL its bookkeeping tables live in the connection's
 * own schema (the first of search_path): Kysely otherwise takes a `kysely_migration` table in any
 * schema of the database for its own, so a second bridge (or a test) in another schema of the same
 * database would read the wrong history.
 */
export async function createMigrator(handle: DatabaseHandle): Promise<Migrator> {
  const migrationTableSchema =
    handle.engine === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(handle.db)).rows[0]?.schema
      : undefined
  return new Migrator({ db: handle.db, provider: createMigrationProvider(handle.engine), migrationTableSchema })
}

export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const migrator = await createMigrator(handle)
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
