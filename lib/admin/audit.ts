import 'server-only'
import type { Kysely } from 'kysely'
import type { AdminAuditRow, Database } from '../db/schema'
import { csvCell } from '../ledger/export'
import { enqueueAdminEvent } from '../ledger/outbox/events'

// The admin audit log: one row per change an administrator (or an operator at the command line)
// made to the local directory, written in the same transaction as the change, so there is never a
// change without its row nor a row for a change that did not happen. Never a token or a password.

export type AuditAction =
  | 'user.add'
  | 'user.invite'
  | 'user.disable'
  | 'user.enable'
  | 'user.reset_factors'
  | 'user.set_groups'
  | 'user.set_roles'
  | 'user.set_password'
  | 'user.sign_out_everywhere'
  | 'user.password_reset'
  | 'invitation.accepted'
  | 'user.verify_email'
  | 'user.report_sign_in'
  | 'audit.redeliver'
  | 'mail.resend'

/**
 * Who acts and from where: an admin's email and the peer address, `cli:<os user>` and null, or
 * `self:<email>` for a person changing their own account through an emailed link.
 */
export interface Actor {
  actor: string
  ip: string | null
}

const AUDIT_PAGE_SIZE = 50

export async function writeAudit(
  db: Kysely<Database>,
  by: Actor,
  entry: { action: AuditAction; target: string | null; detail?: Record<string, unknown>; at?: number },
): Promise<void> {
  const at = entry.at ?? Date.now()
  await db
    .insertInto('admin_audit')
    .values({
      at,
      actor: by.actor,
      action: entry.action,
      target: entry.target,
      ip: by.ip,
      detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
    })
    .execute()
  // Its audit event, in the same transaction (the caller's `db`).
  await enqueueAdminEvent(db, { at, actor: by.actor, ip: by.ip, action: entry.action, target: entry.target, detail: entry.detail })
}

export interface AuditPage {
  items: AdminAuditRow[]
  /** The id to continue before, when there are older rows. */
  next: number | null
}

/** Newest first, `limit` rows before the id `before` (ids only grow, so they order the rows as written). */
export async function listAuditPage(
  db: Kysely<Database>,
  options: { before?: number; limit?: number; target?: string } = {},
): Promise<AuditPage> {
  const limit = options.limit ?? AUDIT_PAGE_SIZE
  let query = db
    .selectFrom('admin_audit')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(limit + 1)
  if (options.before !== undefined) query = query.where('id', '<', options.before)
  if (options.target !== undefined) query = query.where('target', '=', options.target)
  const rows = (await query.execute()).map((row) => ({ ...row, id: Number(row.id) }))
  const items = rows.slice(0, limit)
  return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null }
}

const EXPORT_CHUNK = 1000

const AUDIT_CSV_HEADER = 'id,at,actor,action,target,ip,detail\r\n'

function auditCsvLine(row: AdminAuditRow): string {
  const cells = [String(row.id), new Date(row.at).toISOString(), row.actor, row.action, row.target, row.ip, row.detail]
  return `${cells.map(csvCell).join(',')}\r\n`
}

/**
 * The whole log as CSV, newest first, read a chunk of rows at a time. The first chunk is read
 * before answering, so a database that cannot be reached fails here rather than mid-download.
 */
export async function openAuditCsvStream(db: Kysely<Database>): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder()
  let page: AuditPage = await listAuditPage(db, { limit: EXPORT_CHUNK })
  let header = true
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (header) {
        header = false
        controller.enqueue(encoder.encode(AUDIT_CSV_HEADER + page.items.map(auditCsvLine).join('')))
      } else {
        page = await listAuditPage(db, { before: page.next!, limit: EXPORT_CHUNK })
        controller.enqueue(encoder.encode(page.items.map(auditCsvLine).join('')))
      }
      if (page.next === null) controller.close()
    },
  })
}
