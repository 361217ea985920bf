import { sql, type Kysely, type Migration } from 'kysely'
import type { Engine } from '.'

// The audit stream's transactional outbox (lib/ledger/outbox):
// - audit_events: each ledger step and admin action as the event receivers get, written in the
//   same transaction as its step; `seq` orders them, `id` is the stable webhook-id.
// - audit_deliveries: per event and receiver, pending until delivered or failed; a worker leases a
//   delivery (lease_owner, lease_until) so one instance makes each attempt.
export function migration0008(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', engine === 'postgres' ? 'bigint' : 'integer', (c) =>
          engine === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('ordering_key', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('audit_deliveries')
        .addColumn('event_seq', 'bigint', (c) => c.notNull())
        .addColumn('receiver', 'text', (c) => c.notNull())
        .addColumn('ordering_key', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('last_status', 'integer')
        .addColumn('delivered_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_deliveries_pk', ['receiver', 'event_seq'])
        .execute()
      // Pending deliveries only (delivered ones pile up): the worker's scan in event order, and
      // the oldest pending event of an ordering key.
      await db.schema
        .createIndex('audit_deliveries_pending_idx')
        .on('audit_deliveries')
        .columns(['receiver', 'event_seq'])
        .where(sql.ref('status'), '=', 'pending')
        .execute()
      await db.schema
        .createIndex('audit_deliveries_pending_key_idx')
        .on('audit_deliveries')
        .columns(['receiver', 'ordering_key', 'event_seq'])
        .where(sql.ref('status'), '=', 'pending')
        .execute()
      // The admin area's failures, newest first.
      await db.schema.createIndex('audit_deliveries_status_idx').on('audit_deliveries').columns(['status', 'event_seq']).execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('audit_deliveries').execute()
      await db.schema.dropTable('audit_events').execute()
    },
  }
}
