import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, postgresAvailable, type TestDatabase } from '../../db/testing'
import { recordLoginEvent, recordLoginReceived } from '../record'
import { fingerprint } from '../../server/log'
import { setAuditReceivers } from './enqueue'
import { OutboxWorker } from './worker'
import { postWebhook } from './post'
import { outboxBacklog } from './status'
import { newWebhookSecret, startTestReceiver, type TestReceiver } from './testing'

// Four workers on one PostgreSQL outbox (four instances): every event delivered, none lost, each
// attempt made by exactly one worker (the receiver sees as many requests per event as the row
// counts attempts), and each login request's events in order (security.md case 49).

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL outbox concurrency test: ${pgSkipReason}`)

const secret = newWebhookSecret()
const LOGINS = 50
const STEPS = ['received', 'rejected', 'retryable_error', 'expired'] as const

describe.skipIf(pgSkipReason !== null)('case 49: audit outbox under concurrent workers on postgres', () => {
  let handle: TestDatabase
  let receiver: TestReceiver
  beforeAll(async () => {
    handle = await openPostgresForTest()
    receiver = await startTestReceiver(secret)
    setAuditReceivers([{ name: 'siem', url: receiver.url, secret, events: [] }])
  })
  afterAll(async () => {
    setAuditReceivers(undefined)
    await receiver?.close()
    await handle?.drop()
  })

  it('delivers 200 events with 4 workers: each once per attempt, none lost, in order per login request', async () => {
    const now = Date.now()
    await Promise.all(
      Array.from({ length: LOGINS }, async (_, i) => {
        const id = `lri_conc_${i}`
        await recordLoginReceived(
          handle.db,
          { loginRequestId: id, connectionId: 'c', serverKey: 'default', stateHash: 'h', ttlSeconds: 600, ip: null, userAgent: null },
          now,
        )
        for (const [step, type] of STEPS.slice(1).entries()) {
          await handle.db.transaction().execute((trx) => recordLoginEvent(trx, id, type, { code: `c${step}` }, now + step + 1))
        }
      }),
    )
    expect(await outboxBacklog(handle.db)).toEqual({ siem: LOGINS * STEPS.length })
    // One request in five is refused with a 503 the first time, so retries run across workers too.
    const seen = new Map<string, number>()
    receiver.respond = (event) => {
      const count = (seen.get(event.id) ?? 0) + 1
      seen.set(event.id, count)
      return count === 1 && event.id.charCodeAt(event.id.length - 1) % 5 === 0 ? 503 : 204
    }
    const attemptsBy = [0, 0, 0, 0]
    const workers = attemptsBy.map(
      (_, index) =>
        new OutboxWorker(handle.db, {
          post: (url, request) => {
            attemptsBy[index]! += 1
            return postWebhook(url, request)
          },
          receivers: [{ name: 'siem', url: receiver.url, secret, events: [] }],
          pollMs: 10,
          timeoutMs: 2000,
          batch: 8,
          concurrency: 4,
          policy: { baseMs: 10, maxMs: 50, retryForMs: 3600_000, random: Math.random },
        }),
    )
    workers.forEach((w) => w.start())
    await expect.poll(() => outboxBacklog(handle.db), { timeout: 30_000, interval: 100 }).toEqual({})
    await Promise.all(workers.map((w) => w.stop()))

    const rows = await handle.db.selectFrom('audit_deliveries').innerJoin('audit_events', 'seq', 'event_seq').selectAll().execute()
    expect(rows.length).toBe(LOGINS * STEPS.length)
    expect(rows.filter((r) => r.status !== 'delivered')).toEqual([])
    const requestsPerId = new Map<string, number>()
    for (const request of receiver.requests) requestsPerId.set(request.id, (requestsPerId.get(request.id) ?? 0) + 1)
    for (const row of rows) expect([row.id, requestsPerId.get(row.id)]).toEqual([row.id, Number(row.attempts)])
    expect(receiver.requests.filter((r) => !r.verified)).toEqual([])
    expect(receiver.accepted.length).toBe(LOGINS * STEPS.length)
    expect(new Set(receiver.accepted.map((e) => e.id)).size).toBe(LOGINS * STEPS.length)
    expect(receiver.requests.filter((r) => r.answer === 503).length).toBeGreaterThan(10)
    for (let i = 0; i < LOGINS; i++) {
      const cid = fingerprint(`lri_conc_${i}`)
      const order = receiver.accepted.filter((e) => e.payload.data.correlationId === cid).map((e) => e.payload.data.step)
      expect(order).toEqual([...STEPS])
    }
    // No lease is left behind, and every worker took part.
    expect(new Set(rows.map((r) => r.lease_owner))).toEqual(new Set([null]))
    expect(attemptsBy.every((n) => n > 0)).toBe(true)
    expect(attemptsBy.reduce((a, b) => a + b)).toBe(receiver.requests.length)
  }, 60_000)
})
