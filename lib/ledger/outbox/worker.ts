import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema'
import { logEvent } from '../../server/log'
import { PollingWorker } from '../../server/polling-worker'
import type { AuditReceiver } from './config'
import { attemptDelivery, type RetryPolicy } from './deliver'
import { postWebhook, type PostWebhook } from './post'
import { claimDeliveries, releaseLeases, settleDelivered, settleDelivery, type AttemptResult, type ClaimedDelivery } from './leases'

// The outbox worker: every instance runs one. It polls for due deliveries, leases a batch, sends
// them (a few at once; one event per login request at a time, so their order holds), records each
// result and polls again at once while there is work. stop() stops polling, lets the attempts in
// hand finish and gives back the leases it did not use.

export interface DeliveryResult {
  receiver: string
  type: string
  outcome: AttemptResult['outcome']
  status: number | null
  durationMs: number
}

type Listener = (result: DeliveryResult) => void
const LISTENERS = Symbol.for('byoa-bridge.audit-delivery-listeners')

function listeners(): Set<Listener> {
  const holder = globalThis as { [LISTENERS]?: Set<Listener> }
  holder[LISTENERS] ??= new Set()
  return holder[LISTENERS]
}

/** Calls `listener` after every delivery attempt (the metrics count them); returns the unsubscribe. */
export function onDeliveryResult(listener: Listener): () => void {
  listeners().add(listener)
  return () => listeners().delete(listener)
}

interface Attempted {
  delivery: ClaimedDelivery
  result: AttemptResult
  durationMs: number
}

export interface WorkerOptions {
  receivers: AuditReceiver[]
  pollMs: number
  timeoutMs: number
  policy: RetryPolicy
  /** Deliveries leased per poll, and how many are sent at once. */
  batch?: number
  concurrency?: number
  now?: () => number
  /** How an attempt is sent (tests wrap it); postWebhook by default. */
  post?: PostWebhook
  owner?: string
}

export class OutboxWorker extends PollingWorker {
  private readonly byName: Map<string, AuditReceiver>

  /** `database` may be a function: start-up passes getDb, so a database that is down at start is retried at each poll. */
  constructor(
    database: Kysely<Database> | (() => Promise<Kysely<Database>>),
    private readonly options: WorkerOptions,
  ) {
    super(database, { ownerPrefix: 'w', owner: options.owner, errorEvent: 'audit_outbox_error', pollMs: options.pollMs })
    this.byName = new Map(options.receivers.map((r) => [r.name, r]))
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }

  /** Leases a batch of due deliveries, sends them (a few at once), records the results. */
  protected async poll(db: Kysely<Database>): Promise<number> {
    const batch = this.options.batch ?? 32
    const concurrency = this.options.concurrency ?? 8
    const claimed = await claimDeliveries(db, {
      owner: this.owner,
      receivers: [...this.byName.keys()],
      now: this.now(),
      // Long enough for every attempt of the batch to finish before anyone else may take it.
      leaseMs: this.options.timeoutMs * Math.ceil(batch / concurrency) + 5000,
      limit: batch,
    })
    const delivered: Attempted[] = []
    const { left, errors } = await this.inLanes(claimed, concurrency, async (next) => {
      const attempted = await this.attempt(next)
      // A claim holds at most one event per login request, so settling the successes together
      // after the batch keeps each request's order; a retry or failure is recorded at once.
      if (attempted.result.outcome === 'delivered') delivered.push(attempted)
      else this.report(attempted, await settleDelivery(db, next, this.owner, attempted.result, this.now()))
    })
    if (delivered.length) {
      const recorded = await settleDelivered(
        db,
        delivered.map(({ delivery, result }) => ({ eventSeq: delivery.eventSeq, receiver: delivery.receiver, status: result.status ?? 0 })),
        this.owner,
        this.now(),
      )
      for (const attempted of delivered)
        this.report(attempted, recorded.has(`${attempted.delivery.receiver} ${attempted.delivery.eventSeq}`))
    }
    if (left.length) await releaseLeases(db, this.owner, left)
    // A delivery whose result could not be recorded (the database) is attempted again once its lease ends.
    if (errors.length) throw errors[0]
    return claimed.length
  }

  protected releaseAll(db: Kysely<Database>): Promise<unknown> {
    return releaseLeases(db, this.owner)
  }

  private async attempt(delivery: ClaimedDelivery): Promise<Attempted> {
    const receiver = this.byName.get(delivery.receiver)!
    const started = performance.now()
    const result = await attemptDelivery(receiver, delivery, {
      timeoutMs: this.options.timeoutMs,
      policy: this.options.policy,
      now: () => this.now(),
      post: this.options.post ?? postWebhook,
    })
    return { delivery, result, durationMs: Math.round(performance.now() - started) }
  }

  private report({ delivery, result, durationMs }: Attempted, recorded: boolean): void {
    const fields = {
      receiver: delivery.receiver,
      eventId: delivery.eventId,
      type: delivery.type,
      attempt: delivery.attempts + 1,
      status: result.status,
      ms: durationMs,
      recorded,
    }
    if (result.outcome === 'delivered') logEvent('audit_delivered', fields)
    else logEvent(result.outcome === 'retry' ? 'audit_delivery_retry' : 'audit_delivery_failed', { ...fields, error: result.error })
    for (const listener of listeners())
      listener({ receiver: delivery.receiver, type: delivery.type, outcome: result.outcome, status: result.status, durationMs })
  }
}
