import { sql, type Kysely, type Migration } from 'kysely'

// Several MCP servers behind one bridge: every login request records the key of the server it
// arrived for. Rows written before are the single-connection configuration's one server,
// "default" (lib/servers/config.ts LEGACY_SERVER_KEY); the admin list filters and counts by it.
export function migration0004(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('login_requests')
        .addColumn('server_key', 'text', (c) => c.notNull().defaultTo('default'))
        .execute()
      // Both engines fill existing rows from the default; say it explicitly for any that did not.
      await sql`update login_requests set server_key = 'default' where server_key is null`.execute(db)
      await db.schema
        .createIndex('login_requests_server_created_at_idx')
        .on('login_requests')
        .columns(['server_key', 'created_at', 'id'])
        .execute()
      await db.schema
        .createIndex('login_requests_server_status_idx')
        .on('login_requests')
        .columns(['server_key', 'status', 'created_at', 'expires_at'])
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('login_requests_server_status_idx').execute()
      await db.schema.dropIndex('login_requests_server_created_at_idx').execute()
      await db.schema.alterTable('login_requests').dropColumn('server_key').execute()
    },
  }
}
