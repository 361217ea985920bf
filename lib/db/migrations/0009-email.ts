import { sql, type Kysely, type Migration } from 'kysely'

// Email for the local directory (lib/mail):
// - mail_outbox: one message to send, written by the request that asks for it and sent by a
//   worker outside any request (leased like the audit stream's deliveries), retried with backoff.
//   It holds no secret: a message that carries a link gets its token when the worker sends it.
// - email_tokens: the links a message carries (reset a password, verify an address, report a
//   sign-in), stored as SHA-256 hashes, each usable once, expiring; a newer one of the same
//   purpose for the same person ends the older ones.
// - known_sign_ins: the browsers (a random id in a long-lived cookie) and addresses a person has
//   signed in from, hashed, so a sign-in from a new one can be told apart for the alert.
// - login_requests.reported_at: when the person reported the sign-in as not theirs, with a partial
//   index for the admin list's "reported" filter (few rows ever have it).
export function migration0009(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createMailOutbox(db)
      await createTokensAndSightings(db)
      await db.schema.alterTable('login_requests').addColumn('reported_at', 'bigint').execute()
      await db.schema
        .createIndex('login_requests_reported_idx')
        .on('login_requests')
        .columns(['created_at', 'id'])
        .where(sql.ref('reported_at'), 'is not', null)
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('login_requests_reported_idx').execute()
      await db.schema.alterTable('login_requests').dropColumn('reported_at').execute()
      await db.schema.dropTable('known_sign_ins').execute()
      await db.schema.dropTable('email_tokens').execute()
      await db.schema.dropTable('mail_outbox').execute()
    },
  }
}

async function createMailOutbox(db: Kysely<unknown>) {
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('to_email', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('give_up_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute()
  await db.schema
    .createIndex('mail_outbox_pending_idx')
    .on('mail_outbox')
    .columns(['next_attempt_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute()
  await db.schema.createIndex('mail_outbox_created_idx').on('mail_outbox').columns(['created_at']).execute()
  // A person's recent messages of one kind (at most one verification a day, five an hour on request).
  await db.schema.createIndex('mail_outbox_user_kind_idx').on('mail_outbox').columns(['user_id', 'kind', 'created_at']).execute()
}

async function createTokensAndSightings(db: Kysely<unknown>) {
  await db.schema
    .createTable('email_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute()
  await db.schema.createIndex('email_tokens_user_idx').on('email_tokens').columns(['user_id', 'purpose']).execute()

  await db.schema
    .createTable('known_sign_ins')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value_hash', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('known_sign_ins_pk', ['user_id', 'kind', 'value_hash'])
    .execute()
}
