import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { mailTestEnv, mailCatcherForFile } from './testing'
import { enqueueMail } from './outbox'
import { MailWorker } from './worker'
import { renderMail } from './templates'
import { mailHealth, listFailedMail, resendMail } from './status'

// The admin area's view of the mail outbox on both engines: a message the server refused for good
// (550) is kept as failed, listed, and "Send again" queues it once, with its audit row.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL mail status tests: ${pgSkipReason}`)

const smtp = mailCatcherForFile()

const env = () => mailTestEnv(smtp.current)

describe.each([
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
])('mail status on $name', ({ name, open, skip }) => {
  const to = `new-${name}@acme.example`
  let handle: TestDatabase
  beforeAll(async () => {
    if (!skip) handle = await open()
  })
  afterAll(async () => {
    if (!skip) await handle.drop()
  })

  it.skipIf(skip)('a 550 fails the message at once; Send again queues it once, audited, and it is sent', async () => {
    const config = env()
    const worker = new MailWorker(handle.db, config, config.mail!, {
      composers: { invitation: async () => ({ send: renderMail({ subject: 'Invited', heading: 'Hi', paragraphs: [] }, {}, 'f', 'en') }) },
    })
    const id = await enqueueMail(handle.db, {
      kind: 'invitation',
      toEmail: to,
      userId: 'u1',
      locale: 'en',
      lifetimeMs: 3600_000,
    })
    smtp.current.fault = { mode: 'refuse' }
    try {
      await worker.runOnce()
    } finally {
      smtp.current.fault = { mode: 'ok' }
    }
    expect(await mailHealth(handle.db)).toMatchObject({ pending: 0, failed: 1, sent: 0, lastSentAt: null })
    const failed = await listFailedMail(handle.db)
    expect(failed).toEqual([expect.objectContaining({ id, kind: 'invitation', to_email: to, attempts: 1, last_error: 'EENVELOPE 550' })])

    const by = { actor: 'admin@acme.example', ip: '203.0.113.5' }
    expect(await resendMail(handle.db, by, id)).toBe(true)
    expect(await resendMail(handle.db, by, id)).toBe(false)
    const audit = await handle.db.selectFrom('admin_audit').selectAll().where('action', '=', 'mail.resend').execute()
    expect(audit).toEqual([expect.objectContaining({ actor: 'admin@acme.example', target: to, ip: '203.0.113.5' })])
    expect(JSON.parse(audit[0]!.detail!)).toEqual({ message: id, kind: 'invitation' })

    await worker.runOnce()
    const health = await mailHealth(handle.db)
    expect(health).toMatchObject({ pending: 0, failed: 0, sent: 1 })
    expect(health.lastSentAt).toBeGreaterThan(0)
    expect(smtp.current.messages.filter((m) => m.subject === 'Invited' && m.to.includes(to))).toHaveLength(1)
  })
})
