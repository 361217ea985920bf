import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { mailTestEnv, mailCatcherForFile } from './testing'
import { addUser, setUserDisabled } from '../users/directory'
import { enqueueMail } from './outbox'
import { composePasswordReset } from './password-reset'
import { findEmailToken } from './tokens'
import { MailWorker } from './worker'

// Cases 51 and 52: the forgot-password message is decided by the worker, not the request: no
// account or a disabled one drops it (keeping no address); an account gets a link, issued when the
// message leaves, that ends the older one, in the language of the page that asked. Both engines,
// through a real SMTP server.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL password-reset mail tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const smtp = mailCatcherForFile()

const testEnv = () => mailTestEnv(smtp.current, { PASSWORD_RESET_TTL_MINUTES: '20' })

const LINK = /https:\/\/login\.example\.com\/login\/reset\/([A-Za-z0-9_-]{43})/

describe.each(engines)('the password-reset message on $name', ({ open, skip }) => {
  let handle: TestDatabase
  beforeAll(async () => {
    if (!skip) handle = await open()
  })
  afterAll(async () => {
    if (!skip) await handle.drop()
  })

  const send = async (toEmail: string, locale = 'en') => {
    const id = await enqueueMail(handle.db, { kind: 'password_reset', toEmail, userId: null, locale, lifetimeMs: 3600_000 })
    const env = testEnv()
    await new MailWorker(handle.db, env, env.mail!, { composers: { password_reset: composePasswordReset } }).runOnce()
    return handle.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  }
  const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2)}@example.test`

  it.skipIf(skip)('case 51: drops a message for an address with no account, keeping no address and sending nothing', async () => {
    const email = unique('nobody')
    expect(await send(email)).toMatchObject({ status: 'dropped', to_email: '', last_error: 'no_account' })
    expect(smtp.current.messages.filter((m) => m.to.includes(email))).toHaveLength(0)
  })

  it.skipIf(skip)('case 51: drops a message for a disabled account', async () => {
    const email = unique('disabled')
    await addUser(handle.db, { email, name: 'Disabled', password: 'correct horse battery' })
    await setUserDisabled(handle.db, email, true)
    expect(await send(email)).toMatchObject({ status: 'dropped', last_error: 'no_account' })
    expect(smtp.current.messages.filter((m) => m.to.includes(email))).toHaveLength(0)
    expect(await handle.db.selectFrom('email_tokens').selectAll().execute()).toHaveLength(0)
  })

  it.skipIf(skip)('case 52: sends an account a working link for its lifetime, in the stored language; a newer one ends it', async () => {
    const email = unique('person')
    const user = await addUser(handle.db, { email: email.toUpperCase(), name: 'Person', password: 'correct horse battery' })
    const before = Date.now()
    expect(await send(email.toUpperCase())).toMatchObject({ status: 'sent' })
    const [mail] = smtp.current.messages.filter((m) => m.to.includes(email))
    expect(mail?.subject).toBe('Reset your password')
    expect(mail?.text).toContain(`Someone asked to reset the password of the account ${email}.`)
    expect(mail?.text).toContain('The link works once, for 20 minutes.')
    expect(mail?.text).toContain('If you did not ask for this, ignore this message: nothing changes.')
    const token = LINK.exec(mail!.text)![1]!
    const found = await findEmailToken(handle.db, 'password_reset', token)
    expect(found).toMatchObject({ ok: true, userId: user.id })
    if (found.ok) expect(found.expiresAt).toBeGreaterThanOrEqual(before + 20 * 60_000)

    expect(await send(email, 'de')).toMatchObject({ status: 'sent' })
    const second = smtp.current.messages.filter((m) => m.to.includes(email))[1]
    expect(second?.subject).toBe('Passwort zurücksetzen')
    expect(second?.text).toContain('20 Minuten')
    expect(await findEmailToken(handle.db, 'password_reset', token)).toEqual({ ok: false, problem: 'expired' })
    expect(await findEmailToken(handle.db, 'password_reset', LINK.exec(second!.text)![1]!)).toMatchObject({ ok: true })
  })
})
