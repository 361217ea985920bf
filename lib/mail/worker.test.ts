import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { mailTestEnv, mailCatcherForFile } from './testing'
import { claimMail, enqueueMail, renewMailLease } from './outbox'
import { MailWorker } from './worker'
import { renderMail } from './templates'
import { claimEmailToken, findEmailToken, issueEmailToken } from './tokens'
import type { MailComposers } from './compose'
import { purgeMail } from './retention'

// The mail outbox and its worker on both engines, sending through a real SMTP server (smtp-server):
// a message is sent once, a server that refuses is retried until it recovers, a message past its
// lifetime is kept as failed, two workers never send one message twice, and a message with nothing
// to send is dropped without keeping the address it named. Cases 51, 52 and 55.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL mail outbox tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const smtp = mailCatcherForFile()

const testEnv = () => mailTestEnv(smtp.current, { MAIL_RETRY_BASE_MS: '10' })

/** A composer that sends a fixed message, or drops when the row names nobody. */
const composers: MailComposers = {
  password_reset: async ({ row, env }) => {
    if (!row.user_id) return { drop: 'no_account' }
    return { send: renderMail({ subject: `Hello ${row.id}`, heading: 'Hi', paragraphs: ['Body'] }, env.brand, 'footer', 'en') }
  },
}

describe.each(engines)('mail outbox on $name', ({ open, skip }) => {
  let handle: TestDatabase
  beforeAll(async () => {
    if (!skip) handle = await open()
  })
  afterAll(async () => {
    if (!skip) await handle.drop()
  })
  afterEach(() => {
    smtp.current.fault = { mode: 'ok' }
  })

  const row = (id: string) => handle.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const request = (userId: string | null, lifetimeMs = 60_000) => ({
    kind: 'password_reset' as const,
    toEmail: `Person.${Math.random().toString(36).slice(2)}@Example.com`,
    userId,
    locale: 'en',
    lifetimeMs,
  })

  it.skipIf(skip)('sends a message once, through SMTP with credentials, with a text and an HTML part', async () => {
    const input = request('u1')
    const id = await enqueueMail(handle.db, input)
    const worker = new MailWorker(handle.db, testEnv(), testEnv().mail!, { composers })
    expect(await worker.runOnce()).toBe(1)
    expect(await worker.runOnce()).toBe(0)
    const sent = smtp.current.messages.filter((m) => m.subject === `Hello ${id}`)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.to).toEqual([input.toEmail.toLowerCase()])
    expect(sent[0]!.from).toBe('login@acme.example')
    expect(sent[0]!.text).toContain('Body')
    expect(sent[0]!.html).toContain('<h1')
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1, lease_owner: null, last_error: null })
  })

  it.skipIf(skip)('retries while the server refuses (421), then sends once it recovers', async () => {
    const id = await enqueueMail(handle.db, request('u2'))
    const worker = new MailWorker(handle.db, testEnv(), testEnv().mail!, { composers })
    smtp.current.fault = { mode: 'reject' }
    await worker.runOnce()
    const retried = await row(id)
    expect(retried).toMatchObject({ status: 'pending', attempts: 1, last_error: 'EPROTOCOL 421' })
    await new Promise((resolve) => setTimeout(resolve, retried.next_attempt_at - Date.now() + 5))
    smtp.current.fault = { mode: 'ok' }
    await worker.runOnce()
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 })
    expect(smtp.current.messages.filter((m) => m.subject === `Hello ${id}`)).toHaveLength(1)
  })

  it.skipIf(skip)('keeps a message it could not send within its lifetime as failed', async () => {
    const id = await enqueueMail(handle.db, request('u3', 2000))
    smtp.current.fault = { mode: 'reject' }
    // The next attempt would come after the message's lifetime: it fails now.
    const env = testEnv()
    await new MailWorker(handle.db, env, { ...env.mail!, retryBaseMs: 5000 }, { composers }).runOnce()
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'EPROTOCOL 421' })
  })

  it.skipIf(skip)('never sends a message past its lifetime (the workers were down): it is marked failed unsent', async () => {
    const id = await enqueueMail(handle.db, { ...request('u3'), now: Date.now() - 120_000 })
    expect(await new MailWorker(handle.db, testEnv(), testEnv().mail!, { composers }).runOnce()).toBe(0)
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 0, last_error: 'not sent within its lifetime' })
    expect(smtp.current.messages.filter((m) => m.subject === `Hello ${id}`)).toHaveLength(0)
    await handle.db.deleteFrom('mail_outbox').where('id', '=', id).execute()
  })

  it.skipIf(skip)('does not send a message whose lease ran out before its turn (another worker may hold it)', async () => {
    const id = await enqueueMail(handle.db, request('u3', 3600_000))
    // The sweep and the claim read the clock first; by the time this message's turn comes, its lease is over.
    let reads = 0
    const late = () => Date.now() + (++reads > 2 ? 6 * 60_000 : 0)
    expect(await new MailWorker(handle.db, testEnv(), testEnv().mail!, { composers, now: late }).runOnce()).toBe(1)
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0 })
    expect(smtp.current.messages.filter((m) => m.subject === `Hello ${id}`)).toHaveLength(0)
    // The lease is renewed only by the worker that holds it, and only while it lasts.
    const now = Date.now() + 10 * 60_000
    const [taken] = await claimMail(handle.db, { owner: 'w-other', now, leaseMs: 1000, limit: 100 }).then((rows) =>
      rows.filter((r) => r.id === id),
    )
    expect(taken).toBeDefined()
    expect(await renewMailLease(handle.db, id, 'w-first', now, 60_000)).toBe(false)
    expect(await renewMailLease(handle.db, id, 'w-other', now + 1, 60_000)).toBe(true)
    expect(await renewMailLease(handle.db, id, 'w-other', now + 61_002, 60_000)).toBe(false)
    await handle.db.deleteFrom('mail_outbox').where('id', '=', id).execute()
  })

  it.skipIf(skip)('drops a message with nothing to send, and forgets the address it named', async () => {
    const id = await enqueueMail(handle.db, request(null))
    await new MailWorker(handle.db, testEnv(), testEnv().mail!, { composers }).runOnce()
    expect(await row(id)).toMatchObject({ status: 'dropped', to_email: '', last_error: 'no_account' })
  })

  it.skipIf(skip)('two workers polling at once send each message exactly once', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => enqueueMail(handle.db, request('u4'))))
    const env = testEnv()
    const workers = [0, 1, 2].map(() => new MailWorker(handle.db, env, env.mail!, { composers }))
    while ((await Promise.all(workers.map((w) => w.runOnce()))).some((n) => n > 0));
    for (const id of ids) expect(smtp.current.messages.filter((m) => m.subject === `Hello ${id}`)).toHaveLength(1)
  })

  it.skipIf(skip)('a link token works once, until it expires, and a newer one ends it', async () => {
    const now = Date.now()
    const first = await issueEmailToken(handle.db, { purpose: 'password_reset', userId: 'u5', ttlMs: 60_000, now })
    const second = await issueEmailToken(handle.db, { purpose: 'password_reset', userId: 'u5', ttlMs: 60_000, now })
    expect(await findEmailToken(handle.db, 'password_reset', first.token, now + 1)).toEqual({ ok: false, problem: 'expired' })
    expect(await findEmailToken(handle.db, 'verify_email', second.token, now + 1)).toEqual({ ok: false, problem: 'unknown' })
    expect(await claimEmailToken(handle.db, 'password_reset', second.token, now + 1)).toBe(true)
    expect(await claimEmailToken(handle.db, 'password_reset', second.token, now + 2)).toBe(false)
    expect(await findEmailToken(handle.db, 'password_reset', second.token, now + 2)).toEqual({ ok: false, problem: 'used' })
    const stored = await handle.db.selectFrom('email_tokens').select('token_hash').where('user_id', '=', 'u5').execute()
    expect(stored.map((r) => r.token_hash)).not.toContain(second.token)
    const late = await issueEmailToken(handle.db, { purpose: 'password_reset', userId: 'u6', ttlMs: 10, now })
    expect(await claimEmailToken(handle.db, 'password_reset', late.token, now + 10)).toBe(false)
  })

  it.skipIf(skip)('purging keeps pending messages and live links, and deletes finished ones before the cutoff', async () => {
    const now = Date.now()
    const pending = await enqueueMail(handle.db, { ...request('u7'), now: now - 10_000 })
    const sent = await enqueueMail(handle.db, { ...request('u7'), now: now - 10_000 })
    await handle.db.updateTable('mail_outbox').set({ status: 'sent' }).where('id', '=', sent).execute()
    const live = await issueEmailToken(handle.db, { purpose: 'verify_email', userId: 'u7', ttlMs: 60_000, now })
    const stale = await issueEmailToken(handle.db, { purpose: 'password_reset', userId: 'u7', ttlMs: 1, now: now - 3 * 24 * 3600_000 })
    await handle.db
      .deleteFrom('mail_outbox')
      .where('created_at', '>=', now - 5_000)
      .execute()
    const purged = await purgeMail(handle.db, now - 5_000, now)
    expect(purged).toMatchObject({ messages: 1, links: 1 })
    const left = await handle.db.selectFrom('mail_outbox').select('id').where('id', 'in', [pending, sent]).execute()
    expect(left.map((r) => r.id)).toEqual([pending])
    expect((await findEmailToken(handle.db, 'verify_email', live.token, now)).ok).toBe(true)
    expect(await findEmailToken(handle.db, 'password_reset', stale.token, now)).toEqual({ ok: false, problem: 'unknown' })
  })
})
