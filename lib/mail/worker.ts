import 'server-only'
import type { Kysely } from 'kysely'
import type { Database, MailRow } from '../db/schema'
import type { Env } from '../env'
import type { MailConfig } from './config'
import { logEvent } from '../server/log'
import { PollingWorker } from '../server/polling-worker'
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

export class MailWorker extends PollingWorker {
  constructor(
    database: Kysely<Database> | (() => Promise<Kysely<Database>>),
    private readonly env: Env,
    private readonly mail: MailConfig,
    private readonly options: MailWorkerOptions,
  ) {
    super(database, { ownerPrefix: 'm', owner: options.owner, errorEvent: 'mail_outbox_error', pollMs: mail.pollMs })
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }

  /** Leases what is due, writes and sends it (four at once), records the results. */
  protected async poll(db: Kysely<Database>): Promise<number> {
    const claimed = await claimMail(db, { owner: this.owner, now: this.now(), leaseMs: LEASE_MS, limit: 8 })
    const left = await this.inLanes(claimed, 4, (row) => this.attempt(db, row))
    if (left.length) await releaseMailLeases(db, this.owner)
    return claimed.length
  }

  protected releaseAll(db: Kysely<Database>): Promise<unknown> {
    return releaseMailLeases(db, this.owner)
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
}
