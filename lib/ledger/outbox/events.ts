import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema'
import { fingerprint } from '../../server/log'
import { auditStreamEnabled, enqueueAuditEvent } from './enqueue'

// What a receiver learns of a ledger step or an admin action (docs/operations.md "Audit stream").
// Fields are picked one by one from what the ledger keeps, so a secret (the authRequestId, a
// state, a password or token) cannot reach a payload by accident. Login request ids appear only as
// their correlation id, the same one as in the logs and on the admin pages.

type Db = Kysely<Database>

/** The steps whose payload names the person (who signed in, who was refused, who was completed). */
const NAMES_PERSON = new Set(['signed_in', 'denied', 'completed'])

function pick(detail: Record<string, unknown> | undefined, keys: string[]): Record<string, string> {
  const picked: Record<string, string> = {}
  for (const key of keys) {
    const value = detail?.[key]
    if (typeof value === 'string' && value) picked[key] = value.slice(0, 300)
  }
  return picked
}

/** Writes the event for one ledger step (in the step's transaction `db`), when the stream is on. */
export async function enqueueLoginEvent(
  db: Db,
  loginRequestId: string,
  step: string,
  detail: Record<string, unknown> | undefined,
  at: number,
): Promise<void> {
  if (!auditStreamEnabled()) return
  const row = await db
    .selectFrom('login_requests')
    .select(['server_key', 'identity_source', 'user_sub', 'user_email'])
    .where('id', '=', loginRequestId)
    .executeTakeFirst()
  const outcome = pick(detail, ['code', 'rule', 'note'])
  const client = step === 'received' ? pick(detail, ['ip', 'userAgent']) : undefined
  const person = NAMES_PERSON.has(step) && row?.user_sub ? { sub: row.user_sub, email: row.user_email } : null
  await enqueueAuditEvent(db, {
    type: `login.${step}`,
    orderingKey: loginRequestId,
    at,
    data: {
      step,
      at: new Date(at).toISOString(),
      correlationId: fingerprint(loginRequestId),
      serverKey: row?.server_key ?? null,
      source: (typeof detail?.source === 'string' ? detail.source : row?.identity_source) ?? null,
      outcome: Object.keys(outcome).length ? outcome : null,
      user: person,
      ...(client ? { client } : {}),
    },
  })
}

/** Writes the event for one admin action (in the action's transaction `db`), when the stream is on. */
export async function enqueueAdminEvent(
  db: Db,
  entry: { at: number; actor: string; ip: string | null; action: string; target: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  if (!auditStreamEnabled()) return
  await enqueueAuditEvent(db, {
    type: `admin.${entry.action}`,
    orderingKey: null,
    at: entry.at,
    data: {
      action: entry.action,
      at: new Date(entry.at).toISOString(),
      actor: entry.actor,
      target: entry.target,
      ip: entry.ip,
      detail: entry.detail ?? null,
    },
  })
}
