import { sql, type Kysely, type Migration } from 'kysely'
import type { Engine } from '.'

// The admin area's filters, search, counts and retention on a ledger of millions of rows.
export function migration0002(engine: Engine): Migration {
  return {
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
  }
}
