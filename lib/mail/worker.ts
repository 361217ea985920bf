import 'server-only'
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database, MailRow } from '../db/schema'
import type { Env } from '../env'
import type { MailConfig } from './config'
import { errorText, logEvent } from '../server/log'
import { countMailAttempt } from '../server/metrics'
import { claimMail, releaseMailLeases, settleMail, type MailOutcome } from './outbox'
import { sendMail } from './transport'
import type { MailComposers } from './compose'

// The mail worker: every instance runs one when email is on. It polls the outbox, leases what is
// due, writes each message (its composer issues the link's token now) and sends it, a few at once;
// a failure is retried with backoff (doubling from MAIL_RETRY_BASE_MS up to 15 minutes) until the
// message's lifetime is over. Log lines name the message's id and kind, never its address or link.

const MAX_DELAY_MS = 15 * 60_000
const LEASE_MS = 120_000

export interface MailWorkerOptions {
  composers: MailComposers
  now?: () => number
  owner?: string
}

export class MailWorker {
  readonly owner: string
  private timer: NodeJS.Timeout | undefined
  private running: Promise<number> | undefined
  private stopping = false
  private db: Kysely<Database> | undefined

  constructor(
    private readonly database: Kysely<Database> | (() => Promise<Kysely<Database>>),
    private readonly env: Env,
    private readonly mail: MailConfig,
    private readonly options: MailWorkerOptions,
  ) {
    this.owner = options.owner ?? `m_${randomBytes(6).toString('hex')}`
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
          logEvent('mail_outbox_error', { error: errorText(error) })
          return 0
        })
        .then((claimed) => this.schedule(claimed > 0 ? 0 : this.mail.pollMs))
    }, delayMs)
    this.timer.unref()
  }

  /** One poll: lease what is due, write and send it, record the results. Returns how many were leased. */
  async runOnce(): Promise<number> {
    const db = (this.db ??= typeof this.database === 'function' ? await this.database() : this.database)
    const claimed = await claimMail(db, { owner: this.owner, now: this.now(), leaseMs: LEASE_MS, limit: 8 })
    const queue = [...claimed]
    const lanes = Array.from({ length: Math.min(queue.length, 4) }, async () => {
      for (let row = queue.shift(); row && !this.stopping; row = queue.shift()) await this.attempt(db, row)
    })
    await Promise.all(lanes)
    if (queue.length) await releaseMailLeases(db, this.owner)
    return claimed.length
  }

  private async attempt(db: Kysely<Database>, row: MailRow): Promise<void> {
    const started = performance.now()
    const result = await this.sendOne(db, row)
    const status = await settleMail(db, row, this.owner, result, { baseMs: this.mail.retryBaseMs, maxMs: MAX_DELAY_MS }, this.now())
    const fields = { mailId: row.id, kind: row.kind, attempt: row.attempts + 1, ms: Math.round(performance.now() - started), status }
    countMailAttempt(row.kind, result.outcome === 'retry' && status === 'failed' ? 'failed' : result.outcome)
    if (result.outcome === 'sent') logEvent('mail_sent', fields)
    else if (result.outcome === 'dropped') logEvent('mail_dropped', { ...fields, reason: result.reason })
    else logEvent(status === 'failed' ? 'mail_failed' : 'mail_retry', { ...fields, error: result.error })
  }

  private async sendOne(db: Kysely<Database>, row: MailRow): Promise<MailOutcome> {
    const composer = this.options.composers[row.kind]
    if (!composer) return { outcome: 'dropped', reason: 'unknown_kind' }
    let params: Record<string, unknown> = {}
    try {
      params = JSON.parse(row.params) as Record<string, unknown>
    } catch {
      return { outcome: 'dropped', reason: 'bad_params' }
    }
    const composed = await composer({ db, env: this.env, mail: this.mail, row, params, now: this.now() })
    if ('drop' in composed) return { outcome: 'dropped', reason: composed.drop }
    const sent = await sendMail(this.mail, row.to_email, composed.send)
    if (sent.ok) return { outcome: 'sent' }
    return sent.permanent ? { outcome: 'failed', error: sent.error } : { outcome: 'retry', error: sent.error }
  }

  /** Stops polling, waits for the messages in hand and gives back unused leases. */
  async stop(): Promise<void> {
    this.stopping = true
    clearTimeout(this.timer)
    await this.running?.catch(() => 0)
    if (this.db) await releaseMailLeases(this.db, this.owner).catch(() => undefined)
  }
}
