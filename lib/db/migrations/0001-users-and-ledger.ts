import { type Kysely, type Migration } from 'kysely'
import type { Engine } from '.'

export function migration0001(engine: Engine): Migration {
  return {
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
  }
}
