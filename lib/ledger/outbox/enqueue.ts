import 'server-only'
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
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

/**
 * Writes the event and its deliveries with `db` (the caller's transaction). Returns the event id,
 * or null when no receiver wants this type.
 */
export async function enqueueAuditEvent(db: Db, event: AuditEventInput): Promise<string | null> {
  const receivers = configuredReceivers().filter((receiver) => receiverWants(receiver, event.type))
  if (!receivers.length) return null
  const id = `evt_${randomUUID().replaceAll('-', '')}`
  const payload = JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data: { id, ...event.data } })
  const { seq } = await db
    .insertInto('audit_events')
    .values({ id, type: event.type, ordering_key: event.orderingKey, payload, created_at: event.at })
    .returning('seq')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('audit_deliveries')
    .values(
      receivers.map((receiver) => ({
        event_seq: Number(seq),
        receiver: receiver.name,
        ordering_key: event.orderingKey,
        status: 'pending' as const,
        attempts: 0,
        // Due at once, whatever clock the step was written with.
        next_attempt_at: 0,
        created_at: event.at,
      })),
    )
    .execute()
  return id
}
