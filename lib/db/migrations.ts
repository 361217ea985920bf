import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely'

export type Engine = 'sqlite' | 'postgres'

// Migrations live in code (not files found at run time) so the Next.js server bundle, the CLI
// and the tests all carry the same list. Types are chosen to mean the same on SQLite and PostgreSQL.

function buildMigrations(engine: Engine): Record<string, Migration> {
  return {
    '0001_users_and_ledger': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()

        await db.schema
          .createTable('login_requests')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('connection_id', 'text', (c) => c.notNull())
          .addColumn('state_hash', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('signed_in_at', 'bigint')
          .addColumn('submitted_at', 'bigint')
          .addColumn('finished_at', 'bigint')
          .addColumn('identity_source', 'text')
          .addColumn('user_sub', 'text')
          .addColumn('user_email', 'text')
          .addColumn('auth_request_id', 'text')
          .addColumn('error_code', 'text')
          .addColumn('error_message', 'text')
          .addColumn('ip', 'text')
          .addColumn('user_agent', 'text')
          .addColumn('claims', 'text')
          .execute()
        await db.schema.createIndex('login_requests_created_at_idx').on('login_requests').columns(['created_at', 'id']).execute()
        await db.schema.createIndex('login_requests_status_created_at_idx').on('login_requests').columns(['status', 'created_at']).execute()

        await db.schema
          .createTable('login_events')
          .addColumn('id', engine === 'postgres' ? 'bigint' : 'integer', (c) =>
            engine === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
          )
          .addColumn('login_request_id', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .execute()
        await db.schema.createIndex('login_events_login_request_id_idx').on('login_events').columns(['login_request_id', 'at']).execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('login_events').execute()
        await db.schema.dropTable('login_requests').execute()
        await db.schema.dropTable('users').execute()
      },
    },
    // The admin area's filters, search, counts and retention on a ledger of millions of rows.
    '0002_ledger_admin_indexes': {
      async up(db: Kysely<unknown>) {
        // The counts per status and time bucket read only these entries, never the table; the wider
        // index replaces (status, created_at), whose every use it serves.
        await db.schema.dropIndex('login_requests_status_created_at_idx').execute()
        await db.schema
          .createIndex('login_requests_status_created_expires_idx')
          .on('login_requests')
          .columns(['status', 'created_at', 'expires_at'])
          .execute()
        // The identity-source filter: its list in date order, and its counts.
        await db.schema
          .createIndex('login_requests_source_created_at_idx')
          .on('login_requests')
          .columns(['identity_source', 'created_at', 'id'])
          .execute()
        await db.schema
          .createIndex('login_requests_source_status_idx')
          .on('login_requests')
          .columns(['identity_source', 'status', 'created_at', 'expires_at'])
          .execute()
        // The search: exact ids and subjects, and an email prefix. PostgreSQL uses a btree for a LIKE
        // prefix only with pattern operators (whatever the collation); SQLite only when the index is
        // NOCASE, as its LIKE is.
        await db.schema.createIndex('login_requests_user_sub_idx').on('login_requests').columns(['user_sub', 'created_at']).execute()
        await db.schema.createIndex('login_requests_auth_request_id_idx').on('login_requests').column('auth_request_id').execute()
        const email = engine === 'postgres' ? sql`user_email text_pattern_ops` : sql`user_email collate nocase`
        await sql`create index login_requests_user_email_idx on login_requests (${email}, created_at)`.execute(db)
        // Lets the purge find events older than the cutoff whose request was never stored.
        await db.schema.createIndex('login_events_at_idx').on('login_events').column('at').execute()
      },
      async down(db: Kysely<unknown>) {
        for (const name of [
          'login_events_at_idx',
          'login_requests_user_email_idx',
          'login_requests_auth_request_id_idx',
          'login_requests_user_sub_idx',
          'login_requests_source_status_idx',
          'login_requests_source_created_at_idx',
          'login_requests_status_created_expires_idx',
        ]) {
          await db.schema.dropIndex(name).execute()
        }
        await db.schema.createIndex('login_requests_status_created_at_idx').on('login_requests').columns(['status', 'created_at']).execute()
      },
    },
    // Failed sign-ins per account and per client address, shared by every instance (issue 5).
    '0003_sign_in_throttle': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('sign_in_throttle')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('window_started_at', 'bigint', (c) => c.notNull())
          .addColumn('locked_until', 'bigint')
          .execute()
        // Lets the purge drop rows whose window and lockout are both over.
        await db.schema.createIndex('sign_in_throttle_window_idx').on('sign_in_throttle').column('window_started_at').execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('sign_in_throttle').execute()
      },
    },
  }
}

export function createMigrationProvider(engine: Engine): MigrationProvider {
  return {
    async getMigrations() {
      return buildMigrations(engine)
    },
  }
}
