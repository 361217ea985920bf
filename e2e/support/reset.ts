import { createHash } from 'node:crypto'
import { expect, type Page } from '@playwright/test'
import { openDatabase, type DatabaseHandle } from '../../lib/db'
import { APP_URL, DATABASE_URL } from './config'
import { linkIn, mailTo } from './mail'

// Forgot password as a person goes through it (e2e/email-reset.spec.ts), and the rows it leaves:
// the outbox's and the reset links', read and aged straight in the bridge's database.

let handle: Promise<DatabaseHandle> | undefined

function db() {
  handle ??= openDatabase(DATABASE_URL)
  return handle.then((h) => h.db)
}

const RESET_LINK_PREFIX = `${APP_URL}/login/reset/`

/** Asks for a reset link on the page already showing /login/forgot; answers the action's status, its time and the answer shown. */
export async function askForReset(page: Page, email: string): Promise<{ ms: number; status: number; text: string }> {
  await page.getByLabel('Email').fill(email)
  // The form is remounted with each answer (its key is the attempt), so the form on the page now is
  // gone once the answer is shown: a message left from the attempt before is never read as this one's.
  const form = await page
    .locator('form')
    .filter({ has: page.getByLabel('Email') })
    .elementHandle()
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login/forgot')
  const started = Date.now()
  await page.getByRole('button', { name: 'Send the link' }).click()
  const response = await posted
  // The round trip: until the action's answer is on the page.
  await page.waitForFunction((element) => !element?.isConnected, form)
  await expect(page.getByTestId('reset-sent').or(page.getByTestId('form-message').filter({ hasText: /./ }))).toBeVisible()
  const ms = Date.now() - started
  const sent = page.getByTestId('reset-sent')
  const text = (await sent.count()) ? await sent.innerText() : await page.getByTestId('form-message').innerText()
  return { ms, status: response.status(), text }
}

/**
 * The link in the `count`-th message to `email`, on the suite's main bridge. A bridge a case starts
 * shares the main bridge's database and runs a mail worker of its own, so whichever takes the row
 * writes the link with its own APP_URL (one APP_URL for every instance in a real deployment); the
 * token is the same.
 */
export async function resetLinkFor(email: string, count = 1): Promise<string> {
  // Only the reset messages count: a sign-in of an unverified person also sends a verification message.
  const resets = async () => (await mailTo(email)).filter((mail) => mail.links.some((l) => /^https?:\/\/[^/]+\/login\/reset\//.test(l)))
  await expect
    .poll(async () => (await resets()).length, { timeout: 15_000, message: `reset message ${count} to ${email}` })
    .toBeGreaterThanOrEqual(count)
  const link = new URL(linkIn((await resets())[count - 1]!, 'http://localhost:'))
  expect(link.pathname).toMatch(/^\/login\/reset\/[A-Za-z0-9_-]{43}$/)
  return `${RESET_LINK_PREFIX}${link.pathname.slice('/login/reset/'.length)}`
}

/** Ages a reset link past its end, as if its lifetime had gone by. */
export async function expireResetLink(link: string): Promise<void> {
  const token = link.slice(RESET_LINK_PREFIX.length)
  const hash = createHash('sha256').update(token).digest('hex')
  const result = await (
    await db()
  )
    .updateTable('email_tokens')
    .set({ expires_at: Date.now() - 1000 })
    .where('token_hash', '=', hash)
    .executeTakeFirst()
  expect(Number(result.numUpdatedRows)).toBe(1)
}

/** The outbox rows still naming `email` (a dropped one keeps no address). */
export async function outboxRowsFor(email: string) {
  return (await db()).selectFrom('mail_outbox').selectAll().where('to_email', '=', email.toLowerCase()).execute()
}

/** The admin audit rows about `email`. */
export async function auditRowsFor(email: string) {
  return (await db()).selectFrom('admin_audit').selectAll().where('target', '=', email).orderBy('id').execute()
}
