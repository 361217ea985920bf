import { type Kysely, type Migration } from 'kysely'

// The local directory's groups and roles, each a JSON array of names in a text column. Existing
// users get empty lists. One column per statement: SQLite adds only one per ALTER TABLE.
export function migration0005(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('users')
        .addColumn('groups', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute()
      await db.schema
        .alterTable('users')
        .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('users').dropColumn('roles').execute()
      await db.schema.alterTable('users').dropColumn('groups').execute()
    },
  }
}
