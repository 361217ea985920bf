import 'server-only'
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'
import { errorText, logEvent } from './log'
import { untraced } from './spans'

// What the database's workers (the audit outbox's and the mail outbox's) share. Each instance
// runs one of each: it polls, leases what is due and works on it a few at once, then polls again at
// once while there was work, else after its interval. A failed poll (the database down) is logged
// and tried again at the next interval. stop() ends polling, lets the work in hand finish and
// gives back the leases it still holds. A poll makes no spans (spans.ts, untraced): a delivery is
// not a request, and a trace per webhook sent would outnumber the logins'.

export interface PollingSettings {
  /** The lease owner's prefix (`w` audit, `m` mail); `owner` names it whole (tests). */
  ownerPrefix: string
  owner?: string
  /** The log event of a failed poll. */
  errorEvent: string
  pollMs: number
}

export abstract class PollingWorker {
  readonly owner: string
  protected stopping = false
  private timer: NodeJS.Timeout | undefined
  private running: Promise<number> | undefined
  private db: Kysely<Database> | undefined

  /** `database` may be a function: start-up passes getDb, so a database that is down at start is retried at each poll. */
  protected constructor(
    private readonly database: Kysely<Database> | (() => Promise<Kysely<Database>>),
    private readonly settings: PollingSettings,
  ) {
    this.owner = settings.owner ?? `${settings.ownerPrefix}_${randomBytes(6).toString('hex')}`
  }

  /** One poll on `db`: lease what is due, work on it, record the results. Returns how many were leased. */
  protected abstract poll(db: Kysely<Database>): Promise<number>

  /** Gives back every lease this worker still holds (it is stopping). */
  protected abstract releaseAll(db: Kysely<Database>): Promise<unknown>

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
          logEvent(this.settings.errorEvent, { error: errorText(error) })
          return 0
        })
        .then((claimed) => this.schedule(claimed > 0 ? 0 : this.settings.pollMs))
    }, delayMs)
    this.timer.unref()
  }

  /** One poll. Returns how many were leased. */
  async runOnce(): Promise<number> {
    const db = (this.db ??= typeof this.database === 'function' ? await this.database() : this.database)
    return untraced(() => this.poll(db))
  }

  /**
   * Works through `items`, at most `lanes` at once, until they are done or the worker stops. One
   * item's error does not stop the others: answers the items not begun and the errors thrown.
   */
  protected async inLanes<T>(
    items: readonly T[],
    lanes: number,
    work: (item: T) => Promise<void>,
  ): Promise<{ left: T[]; errors: unknown[] }> {
    const queue = [...items]
    const errors: unknown[] = []
    const running = Array.from({ length: Math.min(queue.length, lanes) }, async () => {
      for (let next = queue.shift(); next !== undefined && !this.stopping; next = queue.shift()) {
        await work(next).catch((error: unknown) => errors.push(error))
      }
    })
    await Promise.all(running)
    return { left: queue, errors }
  }

  /** Stops polling, waits for the work in hand and gives back unused leases. */
  async stop(): Promise<void> {
    this.stopping = true
    clearTimeout(this.timer)
    await this.running?.catch(() => 0)
    if (this.db) await this.releaseAll(this.db).catch(() => undefined)
  }
}
