import { type Kysely, type Migration } from 'kysely'

// How the person of each login request signed in: RFC 8176 method references ("pwd", "otp",
// "hwk"...), space-separated, as they were sent to Scalekit in customAttributes.amr. Null for
// rows from before, and where no source said.
export function migration0006(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('login_requests').addColumn('auth_methods', 'text').execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('login_requests').dropColumn('auth_methods').execute()
    },
  }
}
