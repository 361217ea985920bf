import 'server-only'
import { randomUUID } from 'node:crypto'
import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely'
import type { Database } from '../../db/schema'
import { auditReceivers } from '../../env'
import { receiverWants, type AuditReceiver } from './config'

// Writing to the outbox: called inside the transaction of a ledger step or an admin action, so the
// event exists exactly when its step does. One event row, one delivery row per receiver that wants
// its type; nothing when the stream is off.

type Db = Kysely<Database>

const KEY = Symbol.for('byoa-bridge.audit-receivers')

function holder(): { [KEY]?: AuditReceiver[] } {
  return globalThis as { [KEY]?: AuditReceiver[] }
}

/** The configured receivers: set at start-up, else read from the environment on first use (the operator commands). */
function configuredReceivers(): AuditReceiver[] {
  const h = holder()
  h[KEY] ??= auditReceivers(process.env)
  return h[KEY]
}

/** Sets the receivers (start-up, tests); undefined reads the environment again on next use. */
export function setAuditReceivers(receivers: AuditReceiver[] | undefined): void {
  holder()[KEY] = receivers
}

export function auditStreamEnabled(): boolean {
  return configuredReceivers().length > 0
}

export interface AuditEventInput {
  type: string
  /** The login request id for login events (delivered in order per key); null for admin actions. */
  orderingKey: string | null
  data: Record<string, unknown>
  at: number
}

// The two inserts as SQL texts made once per engine and number of receivers: they run in every
// ledger step's transaction, and building them with the query builder each time cost as much as
// running them (docs/benchmarks.md, "Operations on"). The column lists are checked against the
// schema's types, so a renamed column fails the type check as the builder would.
const EVENT_COLUMNS = ['id', 'type', 'ordering_key', 'payload', 'created_at'] as const satisfies ReadonlyArray<
  keyof Database['audit_events']
>
const DELIVERY_COLUMNS = [
  'event_seq',
  'receiver',
  'ordering_key',
  'status',
  'attempts',
  'next_attempt_at',
  'created_at',
] as const satisfies ReadonlyArray<keyof Database['audit_deliveries']>
const SQL_TEXTS = new Map<string, string>()

function sqlText(key: string, make: () => string): string {
  let text = SQL_TEXTS.get(key)
  if (text === undefined) SQL_TEXTS.set(key, (text = make()))
  return text
}

/** `count` placeholders from number `from`: `$1, $2` on PostgreSQL, `?, ?` on SQLite. */
function placeholders(postgres: boolean, count: number, from = 1): string[] {
  return Array.from({ length: count }, (_, i) => (postgres ? `$${from + i}` : '?'))
}

const insertEventSql = (postgres: boolean) =>
  sqlText(
    `event ${postgres}`,
    () =>
      `insert into audit_events (${EVENT_COLUMNS.join(', ')}) values (${placeholders(postgres, EVENT_COLUMNS.length).join(', ')}) returning seq`,
  )

/** One row per receiver, each bound to (event_seq, receiver, ordering_key, created_at); pending, due at once. */
const insertDeliveriesSql = (postgres: boolean, receivers: number) =>
  sqlText(`deliveries ${postgres} ${receivers}`, () => {
    const rows = Array.from({ length: receivers }, (_, i) => {
      const [seq, receiver, orderingKey, createdAt] = placeholders(postgres, 4, 1 + i * 4)
      return `(${seq}, ${receiver}, ${orderingKey}, 'pending', 0, 0, ${createdAt})`
    })
    return `insert into audit_deliveries (${DELIVERY_COLUMNS.join(', ')}) values ${rows.join(', ')}`
  })

/**
 * Writes the event and its deliveries with `db` (the caller's transaction). Returns the event id,
 * or null when no receiver wants this type.
 */
export async function enqueueAuditEvent(db: Db, event: AuditEventInput): Promise<string | null> {
  const receivers = configuredReceivers().filter((receiver) => receiverWants(receiver, event.type))
  if (!receivers.length) return null
  const id = `evt_${randomUUID().replaceAll('-', '')}`
  const payload = JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data: { id, ...event.data } })
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const inserted = await db.executeQuery<{ seq: number | string }>(
    CompiledQuery.raw(insertEventSql(postgres), [id, event.type, event.orderingKey, payload, event.at]),
  )
  const seq = Number(inserted.rows[0]!.seq)
  // Due at once (next_attempt_at 0), whatever clock the step was written with.
  await db.executeQuery(
    CompiledQuery.raw(
      insertDeliveriesSql(postgres, receivers.length),
      receivers.flatMap((receiver) => [seq, receiver.name, event.orderingKey, event.at]),
    ),
  )
  return id
}
