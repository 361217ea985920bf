import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteForTest, type TestDatabase } from '../../db/testing'
import type { Env } from '../../env'
import { recordLoginReceived } from '../record'
import { drain } from '../../server/shutdown'
import { fingerprint } from '../../server/log'
import { setAuditReceivers } from './enqueue'
import { startAuditOutbox } from './start'
import { outboxBacklog } from './status'
import { newWebhookSecret, startTestReceiver, type TestReceiver } from './testing'

// Start-up and shutdown (security.md case 49): the worker that start-up starts delivers what the
// ledger writes, and the shutdown hook it registers stops it with nothing left leased.

const secret = newWebhookSecret()
const received = (id: string) => ({
  loginRequestId: id,
  connectionId: 'c',
  serverKey: 'default',
  stateHash: 'h',
  ttlSeconds: 600,
  ip: null,
  userAgent: null,
})

describe('case 49: the audit outbox worker at start-up and shutdown', () => {
  let handle: TestDatabase
  let receiver: TestReceiver
  beforeAll(async () => {
    handle = await openSqliteForTest()
    receiver = await startTestReceiver(secret)
  })
  afterAll(async () => {
    setAuditReceivers(undefined)
    await receiver?.close()
    await handle?.drop()
  })

  it('delivers after start-up, and drain() stops the worker through its audit-outbox hook', async () => {
    const env = {
      auditReceivers: [{ name: 'siem', url: receiver.url, secret, events: [] }],
      AUDIT_POLL_INTERVAL_MS: 20,
      AUDIT_WEBHOOK_TIMEOUT_MS: 2000,
      AUDIT_RETRY_BASE_MS: 50,
      AUDIT_RETRY_HOURS: 24,
    } as unknown as Env
    const worker = startAuditOutbox(async () => handle.db, env)
    expect(worker).toBeDefined()
    expect(startAuditOutbox(handle.db, env)).toBe(worker) // once per process
    await recordLoginReceived(handle.db, received('lri_boot'), Date.now())
    await expect.poll(() => receiver.accepted.map((e) => e.payload.type)).toEqual(['login.received'])

    await recordLoginReceived(handle.db, received('lri_late'), Date.now())
    const result = await drain(5000)
    expect(result).toEqual({ finished: true, abandoned: 0 })
    const leased = await handle.db.selectFrom('audit_deliveries').select('lease_owner').where('lease_owner', 'is not', null).execute()
    expect(leased).toEqual([])
    // Stopped: a new event stays in the outbox.
    await recordLoginReceived(handle.db, received('lri_after'), Date.now())
    await new Promise((resolve) => setTimeout(resolve, 200))
    // lri_late was delivered if its attempt had begun before drain (stop waits for it), else it is still owed.
    const lateSent = receiver.accepted.some((e) => e.payload.data.correlationId === fingerprint('lri_late'))
    expect(await outboxBacklog(handle.db)).toEqual({ siem: lateSent ? 1 : 2 })
    expect(receiver.requests.filter((r) => r.correlationId === fingerprint('lri_after'))).toEqual([])
  })
})
