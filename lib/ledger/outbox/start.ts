import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema'
import type { Env } from '../../env'
import { logEvent } from '../../server/log'
import { onShutdown } from '../../server/shutdown'
import { countAuditDelivery, setAuditBacklogSource } from '../../server/metrics'
import { setAuditReceivers } from './enqueue'
import { onDeliveryResult, OutboxWorker } from './worker'
import { outboxBacklog } from './status'

// Start-up (lib/server/startup.ts): this instance's outbox worker, when the stream has receivers.

const WORKER = Symbol.for('byoa-bridge.audit-outbox-worker')
const HOUR = 3600_000

export function startAuditOutbox(db: Kysely<Database> | (() => Promise<Kysely<Database>>), env: Env): OutboxWorker | undefined {
  setAuditReceivers(env.auditReceivers)
  const holder = globalThis as { [WORKER]?: OutboxWorker }
  if (!env.auditReceivers.length || holder[WORKER]) return holder[WORKER]
  const worker = new OutboxWorker(db, {
    receivers: env.auditReceivers,
    pollMs: env.AUDIT_POLL_INTERVAL_MS,
    timeoutMs: env.AUDIT_WEBHOOK_TIMEOUT_MS,
    policy: { baseMs: env.AUDIT_RETRY_BASE_MS, maxMs: HOUR, retryForMs: env.AUDIT_RETRY_HOURS * HOUR, random: Math.random },
  })
  holder[WORKER] = worker
  // The metrics (lib/server/metrics): each attempt's result, and the backlog read at each scrape.
  onDeliveryResult((result) => countAuditDelivery(result.outcome))
  setAuditBacklogSource(async () => {
    const backlog = await outboxBacklog(typeof db === 'function' ? await db() : db)
    return Object.values(backlog).reduce((sum, n) => sum + n, 0)
  })
  worker.start()
  onShutdown('audit-outbox', () => worker.stop())
  logEvent('audit_outbox_started', { receivers: env.auditReceivers.map((r) => r.name).join(' '), worker: worker.owner })
  return worker
}
