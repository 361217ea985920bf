import 'server-only'
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema'
import { errorText, logEvent } from '../../server/log'
import type { AuditReceiver } from './config'
import { attemptDelivery, type RetryPolicy } from './deliver'
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
  fetch?: typeof fetch
  owner?: string
}

export class OutboxWorker {
  readonly owner: string
  private readonly byName: Map<string, AuditReceiver>
  private timer: NodeJS.Timeout | undefined
  private running: Promise<number> | undefined
  private stopping = false

  private db: Kysely<Database> | undefined

  /** `database` may be a function: start-up passes getDb, so a database that is down at start is retried at each poll. */
  constructor(
    private readonly database: Kysely<Database> | (() => Promise<Kysely<Database>>),
    private readonly options: WorkerOptions,
  ) {
    this.owner = options.owner ?? `w_${randomBytes(6).toString('hex')}`
    this.byName = new Map(options.receivers.map((r) => [r.name, r]))
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }

  start(): void {
    this.stopping = false
    this.schedule(0)
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
      this.running
        .catch((error: unknown) => {
          logEvent('audit_outbox_error', { error: errorText(error) })
          return 0
        })
        .then((claimed) => this.schedule(claimed > 0 ? 0 : this.options.pollMs))
    }, delayMs)
    this.timer.unref()
  }

  /** One poll: lease what is due, send it, record the results. Returns how many were leased. */
  async runOnce(): Promise<number> {
    const batch = this.options.batch ?? 32
    const db = (this.db ??= typeof this.database === 'function' ? await this.database() : this.database)
    const claimed = await claimDeliveries(db, {
      owner: this.owner,
      receivers: [...this.byName.keys()],
      now: this.now(),
      // Long enough for every attempt of the batch to finish before anyone else may take it.
      leaseMs: this.options.timeoutMs * Math.ceil(batch / (this.options.concurrency ?? 8)) + 5000,
      limit: batch,
    })
    const queue = [...claimed]
    const delivered: Attempted[] = []
    const lanes = Array.from({ length: Math.min(queue.length, this.options.concurrency ?? 8) }, async () => {
      for (let next = queue.shift(); next && !this.stopping; next = queue.shift()) {
        const attempted = await this.attempt(next)
        // A claim holds at most one event per login request, so settling the successes together
        // after the batch keeps each request's order; a retry or failure is recorded at once.
        if (attempted.result.outcome === 'delivered') delivered.push(attempted)
        else this.report(attempted, await settleDelivery(db, next, this.owner, attempted.result, this.now()))
      }
    })
    await Promise.all(lanes)
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
    if (queue.length) await releaseLeases(db, this.owner, queue)
    return claimed.length
  }

  private async attempt(delivery: ClaimedDelivery): Promise<Attempted> {
    const receiver = this.byName.get(delivery.receiver)!
    const started = performance.now()
    const result = await attemptDelivery(receiver, delivery, {
      timeoutMs: this.options.timeoutMs,
      policy: this.options.policy,
      now: () => this.now(),
      fetch: this.options.fetch ?? fetch,
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

  /** Stops polling, waits for the attempts in hand and gives back unused leases. */
  async stop(): Promise<void> {
    this.stopping = true
    clearTimeout(this.timer)
    await this.running?.catch(() => 0)
    if (this.db) await releaseLeases(this.db, this.owner).catch(() => 0)
  }
}
