import { type Kysely, type Migration } from 'kysely'
import type { Engine } from '.'

// Strong sign-in for the local directory and its management in the admin area:
// - users: when their sessions were last ended ("sign out everywhere"; 0 = never) and when they
//   last signed in. One column per statement: SQLite adds only one per ALTER TABLE.
// - totp_factors: one authenticator per user, its key sealed with a key derived from AUTH_SECRET
//   (lib/factors/sealed.ts); `confirmed_at` null while enrolment waits for its first code;
//   `last_step` is the newest RFC 6238 time step accepted, so a code is never accepted twice.
// - recovery_codes: SHA-256 of each code (they carry 80 random bits), each usable once.
// - passkeys: WebAuthn credentials, the id and public key as base64url.
// - used_challenges: a WebAuthn challenge is issued in a sealed cookie and recorded here when it is
//   used, so it works once across every instance; rows go when they expire.
// - invitations: a link to set a password, stored as a SHA-256 hash, single use, expiring.
// - admin_audit: every admin action (who, what, to whom, when, from where).
export function migration0007(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await addUserColumns(db)
      await createFactorTables(db)
      await createAdminTables(db, engine)
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['admin_audit', 'invitations', 'used_challenges', 'passkeys', 'recovery_codes', 'totp_factors']) {
        await db.schema.dropTable(table).execute()
      }
      await db.schema.alterTable('users').dropColumn('last_sign_in_at').execute()
      await db.schema.alterTable('users').dropColumn('sessions_revoked_at').execute()
    },
  }
}

async function addUserColumns(db: Kysely<unknown>) {
  await db.schema
    .alterTable('users')
    .addColumn('sessions_revoked_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.alterTable('users').addColumn('last_sign_in_at', 'bigint').execute()
}

async function createFactorTables(db: Kysely<unknown>) {
  await db.schema
    .createTable('totp_factors')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('sealed_key', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('last_step', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('recovery_codes')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
    .execute()

  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute()
  await db.schema.createIndex('passkeys_user_id_idx').on('passkeys').column('user_id').execute()

  await db.schema
    .createTable('used_challenges')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('used_challenges_expires_at_idx').on('used_challenges').column('expires_at').execute()
}

async function createAdminTables(db: Kysely<unknown>, engine: Engine) {
  await db.schema
    .createTable('invitations')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute()
  await db.schema.createIndex('invitations_user_id_idx').on('invitations').column('user_id').execute()

  await db.schema
    .createTable('admin_audit')
    .addColumn('id', engine === 'postgres' ? 'bigint' : 'integer', (c) =>
      engine === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('ip', 'text')
    .addColumn('detail', 'text')
    .execute()
  await db.schema.createIndex('admin_audit_at_idx').on('admin_audit').columns(['at', 'id']).execute()
}
