import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../../db/testing'
import { claimLoginRequest } from '../claim'
import { recordLoginCompleted, recordLoginEvent, recordLoginReceived } from '../record'
import { writeAudit } from '../../admin/audit'
import { fingerprint } from '../../server/log'
import { setAuditReceivers } from './enqueue'
import { OutboxWorker, onDeliveryResult, type DeliveryResult, type WorkerOptions } from './worker'
import { listFailedDeliveries, outboxBacklog, receiverHealth, redeliver } from './status'
import { newWebhookSecret, receivedLogin, startTestReceiver, type TestReceiver } from './testing'
import { purgeDeliveredAuditEvents } from './retention'
import type { AuditReceiver } from './config'
import { postWebhook, type PostWebhook } from './post'

// The audit stream's outbox on both engines (security.md case 49): events written in the ledger
// step's transaction, signed per Standard Webhooks, delivered at least once with stable ids, in
// order per login request, retried then failed, and redelivered on request.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL outbox tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const HOUR = 3600_000
const secret = newWebhookSecret()

const received = receivedLogin

for (const engine of engines) {
  describe.skipIf(engine.skip)(`case 49: audit outbox on ${engine.name}`, () => {
    let handle: TestDatabase
    let receiver: TestReceiver
    let clock = Date.now()
    const workers: OutboxWorker[] = []
    const receivers = (): AuditReceiver[] => [{ name: 'siem', url: receiver.url, secret, events: [] }]
    const worker = (options: Partial<WorkerOptions> = {}) => {
      const made = new OutboxWorker(handle.db, {
        receivers: receivers(),
        pollMs: 20,
        timeoutMs: 1000,
        policy: { baseMs: 1000, maxMs: HOUR, retryForMs: 24 * HOUR, random: () => 1 },
        now: () => clock,
        ...options,
      })
      workers.push(made)
      return made
    }
    const deliveries = () => handle.db.selectFrom('audit_deliveries').selectAll().orderBy('event_seq').orderBy('receiver').execute()
    const events = () => handle.db.selectFrom('audit_events').selectAll().orderBy('seq').execute()

    beforeAll(async () => {
      handle = await engine.open()
      receiver = await startTestReceiver(secret)
    })
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.stop()))
      await handle.db.deleteFrom('audit_deliveries').execute()
      await handle.db.deleteFrom('audit_events').execute()
      receiver.accepted.length = 0
      receiver.requests.length = 0
      receiver.respond = () => 204
      setAuditReceivers(receivers())
    })
    afterAll(async () => {
      setAuditReceivers(undefined)
      await receiver?.close()
      await handle?.drop()
    })

    it('writes nothing to the outbox while no receiver is configured', async () => {
      setAuditReceivers([])
      await recordLoginReceived(handle.db, received('lri_off'), clock)
      expect(await events()).toEqual([])
    })

    it('writes the event in the ledger step transaction: a rolled-back step leaves no event', async () => {
      setAuditReceivers(receivers())
      await recordLoginReceived(handle.db, received('lri_tx'), clock)
      await expect(
        handle.db.transaction().execute(async (trx) => {
          await recordLoginEvent(trx, 'lri_tx', 'rejected', { code: 'state_mismatch' }, clock)
          throw new Error('the step failed after its event')
        }),
      ).rejects.toThrow('the step failed after its event')
      const rows = await events()
      expect(rows.map((row) => [row.type, row.ordering_key])).toEqual([['login.received', 'lri_tx']])
      expect(await handle.db.selectFrom('login_events').select('type').where('login_request_id', '=', 'lri_tx').execute()).toEqual([
        { type: 'received' },
      ])
      expect((await deliveries()).map((d) => [d.receiver, d.status, Number(d.attempts)])).toEqual([['siem', 'pending', 0]])
    })

    it('sends the documented payload, signed so that the library verifies it, and never the authRequestId', async () => {
      setAuditReceivers(receivers())
      await recordLoginReceived(handle.db, received('lri_pay'), clock)
      const claimant = { source: 'local', sub: 'u_1', email: 'ada@example.com', signedInAt: clock + 1 }
      expect(
        await claimLoginRequest(handle.db, { loginRequestId: 'lri_pay', stateHash: 'hash', serverKey: 'default' }, claimant, clock + 2),
      ).toBe(true)
      await recordLoginCompleted(
        handle.db,
        'lri_pay',
        { authRequestId: 'ar_SECRET_1', claims: { sub: 'u_1', email: 'ada@example.com' } as never, status: 'completed' },
        clock + 3,
      )
      await worker().runOnce()
      await worker().runOnce()
      await worker().runOnce()
      await worker().runOnce()
      expect(receiver.accepted.map((e) => e.payload.type)).toEqual([
        'login.received',
        'login.signed_in',
        'login.submitted',
        'login.completed',
      ])
      const completed = receiver.accepted[3]!
      expect(completed.body).not.toContain('ar_SECRET_1')
      expect(completed.body).not.toContain('lri_pay')
      expect(completed.payload).toEqual({
        type: 'login.completed',
        timestamp: new Date(clock + 3).toISOString(),
        data: {
          id: completed.id,
          step: 'completed',
          at: new Date(clock + 3).toISOString(),
          correlationId: fingerprint('lri_pay'),
          serverKey: 'default',
          source: 'local',
          outcome: null,
          user: { sub: 'u_1', email: 'ada@example.com' },
        },
      })
      expect(receiver.accepted[0]!.payload.data).toMatchObject({
        step: 'received',
        client: { ip: '10.0.0.9', userAgent: 'vitest' },
        user: null,
      })
      // The library's own verifier accepts the headers as sent, with webhook-id the stable event id.
      const stored = (await events()).find((row) => row.type === 'login.completed')!
      expect(completed.id).toBe(stored.id)
      const headers = { 'webhook-id': completed.id, 'webhook-timestamp': completed.timestamp }
      const signature = new Webhook(secret).sign(completed.id, new Date(Number(completed.timestamp) * 1000), completed.body)
      expect(new Webhook(secret).verify(completed.body, { ...headers, 'webhook-signature': signature })).toEqual(completed.payload)
      expect(() => new Webhook(newWebhookSecret()).verify(completed.body, { ...headers, 'webhook-signature': signature })).toThrow()
      expect((await deliveries()).map((d) => [d.status, Number(d.attempts), Number(d.last_status)])).toEqual(
        Array(4).fill(['delivered', 1, 204]),
      )
    })

    it('writes admin actions as events too, in their transaction, and filters events per receiver', async () => {
      setAuditReceivers([...receivers(), { name: 'admins-only', url: receiver.url, secret, events: ['admin.*'] }])
      await handle.db
        .transaction()
        .execute((trx) =>
          writeAudit(
            trx,
            { actor: 'root@example.com', ip: '10.0.0.1' },
            { action: 'user.disable', target: 'bob@example.com', detail: { disabled: true }, at: clock },
          ),
        )
      await recordLoginReceived(handle.db, received('lri_filter'), clock)
      expect((await events()).map((e) => [e.type, e.ordering_key])).toEqual([
        ['admin.user.disable', null],
        ['login.received', 'lri_filter'],
      ])
      expect((await deliveries()).map((d) => d.receiver)).toEqual(['admins-only', 'siem', 'siem'])
      expect(JSON.parse((await events())[0]!.payload).data).toMatchObject({
        action: 'user.disable',
        actor: 'root@example.com',
        target: 'bob@example.com',
        detail: { disabled: true },
      })
    })

    it('retries a receiver that fails (500, then a timeout) with backoff, and delivers once it recovers', async () => {
      setAuditReceivers(receivers())
      await recordLoginReceived(handle.db, received('lri_retry'), clock)
      const answers: Array<number | 'hang'> = [500, 'hang', 204]
      receiver.respond = () => answers.shift() ?? 204
      const results: DeliveryResult[] = []
      const unsubscribe = onDeliveryResult((result) => results.push(result))
      const w = worker()
      expect(await w.runOnce()).toBe(1)
      let row = (await deliveries())[0]!
      expect([row.status, Number(row.attempts), Number(row.last_status), row.last_error, Number(row.next_attempt_at) - clock]).toEqual([
        'pending',
        1,
        500,
        'HTTP 500',
        1000,
      ])
      expect(await w.runOnce()).toBe(0) // not due yet
      clock += 1000
      expect(await w.runOnce()).toBe(1)
      row = (await deliveries())[0]!
      expect([row.status, Number(row.attempts), row.last_status, row.last_error, Number(row.next_attempt_at) - clock]).toEqual([
        'pending',
        2,
        null,
        'timeout',
        2000,
      ])
      clock += 2000
      expect(await w.runOnce()).toBe(1)
      row = (await deliveries())[0]!
      expect([row.status, Number(row.attempts), Number(row.last_status), row.last_error, row.lease_owner]).toEqual([
        'delivered',
        3,
        204,
        null,
        null,
      ])
      expect(receiver.requests.map((r) => r.answer)).toEqual([500, 'hang', 204])
      // The hook the metrics count deliveries with saw each attempt.
      unsubscribe()
      expect(results.map((r) => [r.receiver, r.type, r.outcome, r.status])).toEqual([
        ['siem', 'login.received', 'retry', 500],
        ['siem', 'login.received', 'retry', null],
        ['siem', 'login.received', 'delivered', 204],
      ])
      expect(new Set(receiver.requests.map((r) => r.id)).size).toBe(1)
    })

    it('marks a delivery failed at once on a 4xx other than 408/429, and keeps it for redelivery', async () => {
      setAuditReceivers(receivers())
      await recordLoginReceived(handle.db, received('lri_4xx'), clock)
      receiver.respond = () => 422
      await worker().runOnce()
      const failed = (await listFailedDeliveries(handle.db))[0]!
      expect(failed).toMatchObject({ receiver: 'siem', type: 'login.received', attempts: 1, lastStatus: 422, lastError: 'HTTP 422' })
      expect(await receiverHealth(handle.db, ['siem'])).toEqual([
        { name: 'siem', pending: 0, failed: 1, delivered: 0, lastDeliveredAt: null, oldestPendingAt: null },
      ])
      receiver.respond = () => 200
      const by = { actor: 'root@example.com', ip: '10.0.0.1' }
      expect(await redeliver(handle.db, by, { receiver: 'siem', eventId: failed.eventId }, clock)).toBe(true)
      expect(await redeliver(handle.db, by, { receiver: 'siem', eventId: failed.eventId }, clock)).toBe(false)
      await worker().runOnce()
      await worker().runOnce()
      expect(receiver.accepted.map((e) => [e.id, e.payload.type])).toEqual([
        [failed.eventId, 'login.received'],
        [expect.stringMatching(/^evt_/), 'admin.audit.redeliver'],
      ])
      const audit = await handle.db.selectFrom('admin_audit').selectAll().where('action', '=', 'audit.redeliver').execute()
      expect(audit.map((a) => [a.actor, JSON.parse(a.detail!)])).toEqual([
        ['root@example.com', { receiver: 'siem', event: failed.eventId }],
      ])
      expect(await listFailedDeliveries(handle.db)).toEqual([])
    })

    it('retries 408, 429 and 503 for 24 hours, then marks the delivery failed (fake clock)', async () => {
      setAuditReceivers(receivers())
      await recordLoginReceived(handle.db, received('lri_day'), clock)
      const start = clock
      const statuses = [408, 429, 503]
      receiver.respond = () => statuses[receiver.requests.length % 3]!
      const w = worker({ policy: { baseMs: 1000, maxMs: HOUR, retryForMs: 24 * HOUR, random: () => 0 } })
      let attempts = 0
      for (;;) {
        const row = (await deliveries())[0]!
        if (row.status !== 'pending') break
        clock = Math.max(clock, Number(row.next_attempt_at))
        attempts += await w.runOnce()
      }
      const row = (await deliveries())[0]!
      // 0.5s, 1s, 2s ... doubling to the one-hour cap: 13 attempts reach 1.1 hours, then one per 30 minutes.
      expect(clock - start).toBeGreaterThanOrEqual(24 * HOUR)
      expect(clock - start).toBeLessThan(24 * HOUR + HOUR)
      expect([row.status, Number(row.attempts), attempts]).toEqual(['failed', attempts, attempts])
      expect(attempts).toBeGreaterThan(40)
      expect(row.last_error).toMatch(new RegExp(`^HTTP (408|429|503); gave up after ${attempts} attempts$`))
    })

    it('delivers the events of one login request in order, holding later ones while an earlier one is retried', async () => {
      setAuditReceivers(receivers())
      await recordLoginReceived(handle.db, received('lri_a'), clock)
      await recordLoginReceived(handle.db, received('lri_b'), clock)
      await handle.db.transaction().execute((trx) => recordLoginEvent(trx, 'lri_a', 'rejected', { code: 'no_cookie' }, clock + 1))
      await handle.db.transaction().execute((trx) => recordLoginEvent(trx, 'lri_a', 'expired', { code: 'expired' }, clock + 2))
      let firstA = true
      receiver.respond = (event) => (event.payload.data.correlationId === fingerprint('lri_a') && firstA ? ((firstA = false), 503) : 204)
      const w = worker()
      expect(await w.runOnce()).toBe(2) // lri_a's received (refused), lri_b's received; lri_a's later events wait
      expect(await w.runOnce()).toBe(0)
      clock += 1000
      for (let i = 0; i < 3; i++) expect(await w.runOnce()).toBe(1)
      const order = receiver.accepted.filter((e) => e.payload.data.correlationId === fingerprint('lri_a')).map((e) => e.payload.type)
      expect(order).toEqual(['login.received', 'login.rejected', 'login.expired'])
      expect(await outboxBacklog(handle.db)).toEqual({})
    })

    it('delivers everything after a worker restart, including what the stopped worker had leased', async () => {
      setAuditReceivers(receivers())
      for (let i = 0; i < 6; i++) await recordLoginReceived(handle.db, received(`lri_restart_${i}`), clock)
      expect(await outboxBacklog(handle.db)).toEqual({ siem: 6 })
      let release: () => void = () => {}
      const held = new Promise<void>((resolve) => (release = resolve))
      receiver.respond = () => 204
      const slowPost: PostWebhook = async (url, request) => {
        await held
        return postWebhook(url, request)
      }
      const first = worker({ batch: 6, concurrency: 1, post: slowPost })
      first.start()
      await expect.poll(async () => (await deliveries()).filter((d) => d.lease_owner === first.owner).length).toBe(6)
      const stopped = first.stop()
      release()
      await stopped
      // The attempt in hand finished; the five it had not started were given back, not left leased.
      const after = await deliveries()
      expect(after.map((d) => d.status).sort()).toEqual(['delivered', 'pending', 'pending', 'pending', 'pending', 'pending'])
      expect(after.filter((d) => d.lease_owner !== null)).toEqual([])
      const second = worker()
      second.start()
      await expect.poll(async () => outboxBacklog(handle.db)).toEqual({})
      expect(receiver.accepted.length).toBe(6)
      expect(new Set(receiver.accepted.map((e) => e.id)).size).toBe(6)
    })

    it('purges events delivered before the cutoff, and keeps pending and failed ones whatever their age', async () => {
      setAuditReceivers(receivers())
      for (const id of ['lri_old_ok', 'lri_old_refused', 'lri_old_owed']) await recordLoginReceived(handle.db, received(id), clock)
      receiver.respond = (event) => (event.payload.data.correlationId === fingerprint('lri_old_refused') ? 410 : 204)
      await worker().runOnce()
      await handle.db
        .updateTable('audit_deliveries')
        .set({ status: 'pending', delivered_at: null })
        .where('ordering_key', '=', 'lri_old_owed')
        .execute()
      expect(await purgeDeliveredAuditEvents(handle.db, clock)).toBe(0) // delivered at `clock`, not before it
      expect(await purgeDeliveredAuditEvents(handle.db, clock + 1)).toBe(1)
      expect((await events()).map((e) => e.ordering_key).sort()).toEqual(['lri_old_owed', 'lri_old_refused'])
      expect((await deliveries()).map((d) => d.status).sort()).toEqual(['failed', 'pending'])
    })
  })
}
