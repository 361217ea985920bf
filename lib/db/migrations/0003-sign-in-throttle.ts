import { type Kysely, type Migration } from 'kysely'

// Failed sign-ins per account and per client address, shared by every instance.
export function migration0003(): Migration {
  return {
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
  }
}
