import 'server-only'
import type { Kysely } from 'kysely'
import type { Database, MailRow } from '../db/schema'
import type { Env } from '../env'
import type { MailConfig } from './config'
import { errorText, logEvent } from '../server/log'
import { PollingWorker } from '../server/polling-worker'
import { countMailAttempt } from '../server/metrics'
import { claimMail, failExpiredMail, releaseMailLeases, renewMailLease, settleMail, type MailOutcome } from './outbox'
import { sendMail } from './transport'
import type { MailComposers } from './compose'

// The mail worker: every instance runs one when email is on. It polls the outbox, leases what is
// due, writes each message (its composer issues the link's token now) and sends it, a few at once;
// a failure is retried with backoff (doubling from MAIL_RETRY_BASE_MS up to 15 minutes) until the
// message's lifetime is over. Log lines name the message's id and kind, never its address or link.

const MAX_DELAY_MS = 15 * 60_000
/**
 * A message's lease, renewed as its sending starts: longer than one send can take (10 s to connect,
 * 10 s for the greeting, then at most 20 s for each of the server's replies), so no other worker
 * takes a message over while it is being sent.
 */
const LEASE_MS = 5 * 60_000
/** Messages sent at once; a poll leases no more than that, so none waits for another under its lease. */
const LANES = 4
/** How often a worker marks failed what waited past its lifetime. */
const EXPIRY_SWEEP_MS = 60_000

export interface MailWorkerOptions {
  composers: MailComposers
  now?: () => number
  owner?: string
}

export class MailWorker extends PollingWorker {
  private sweptAt = Number.NEGATIVE_INFINITY

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
    await this.sweepExpired(db)
    const claimed = await claimMail(db, { owner: this.owner, now: this.now(), leaseMs: LEASE_MS, limit: LANES })
    // attempt() logs its own errors: none come back here.
    const { left } = await this.inLanes(claimed, LANES, (row) => this.attempt(db, row))
    if (left.length) await releaseMailLeases(db, this.owner)
    return claimed.length
  }

  private async sweepExpired(db: Kysely<Database>): Promise<void> {
    const now = this.now()
    if (now - this.sweptAt < EXPIRY_SWEEP_MS) return
    this.sweptAt = now
    const failed = await failExpiredMail(db, now)
    if (failed > 0) logEvent('mail_expired', { count: failed })
  }

  protected releaseAll(db: Kysely<Database>): Promise<unknown> {
    return releaseMailLeases(db, this.owner)
  }

  /** One message: its lease renewed, written, sent and settled. A database error is logged; the row is tried again once its lease ends. */
  private async attempt(db: Kysely<Database>, row: MailRow): Promise<void> {
    try {
      if (!(await renewMailLease(db, row.id, this.owner, this.now(), LEASE_MS))) {
        logEvent('mail_lease_lost', { mailId: row.id, kind: row.kind })
        return
      }
      await this.sendAndSettle(db, row)
    } catch (error) {
      logEvent('mail_outbox_error', { mailId: row.id, kind: row.kind, error: errorText(error) })
    }
  }

  private async sendAndSettle(db: Kysely<Database>, row: MailRow): Promise<void> {
    const started = performance.now()
    let result: MailOutcome
    try {
      result = await this.sendOne(db, row)
    } catch (error) {
      // The composer could not write the message (the database): retried like a refusing server.
      logEvent('mail_compose_error', { mailId: row.id, kind: row.kind, error: errorText(error) })
      result = { outcome: 'retry', error: 'COMPOSE' }
    }
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
