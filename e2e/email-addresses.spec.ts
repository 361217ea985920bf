import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { openDatabase, type DatabaseHandle } from '../lib/db'
import { APP_URL, DATABASE_URL } from './support/config'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { createUser } from './support/users'
import { auditRowsFor, invitationsOf, signInAsAdmin, userRow } from './support/admin'
import { signInAtAccount } from './support/passkeys'
import { linkIn, mailTo, waitForMail } from './support/mail'
import { LoginPage } from './pages/login-page'

// Verified addresses (security.md case 53): emailVerified reaches Scalekit as true only after the
// person followed a link sent to that very address, by pressing the page's button (opening the
// link alone changes nothing), or set their password with an invitation sent there by email.

const VERIFY = `${APP_URL}/verify-email/`

let handle: Promise<DatabaseHandle> | undefined
const db = () => (handle ??= openDatabase(DATABASE_URL)).then((h) => h.db)

async function outboxKinds(email: string): Promise<string[]> {
  const user = await userRow(email)
  const rows = await (await db()).selectFrom('mail_outbox').select('kind').where('user_id', '=', user.id).orderBy('created_at').execute()
  return rows.map((row) => row.kind)
}

async function expectUsedOrExpired(page: Page, link: string, code: 'used' | 'expired', title: string) {
  const direct = await page.request.get(link, { maxRedirects: 0 })
  expect(direct.status()).toBe(307)
  expect(direct.headers().location).toBe(`/verify-email/problem/${code}`)
  const problem = await page.request.get(`/verify-email/problem/${code}`, { maxRedirects: 0 })
  expect(problem.status()).toBe(410)
  expect(problem.headers()['cache-control']).toBe('no-store')
  await page.goto(link)
  await expect(page).toHaveURL(`/verify-email/problem/${code}`)
  await expect(page.getByRole('heading', { name: title })).toBeVisible()
}

async function verifyWith(page: Page, link: string, email: string) {
  const opened = await page.goto(link)
  expect(opened?.status()).toBe(200)
  expect(opened?.headers()['cache-control']).toBe('no-store')
  await expect(page.getByRole('heading', { name: 'Verify your email address' })).toBeVisible()
  // Opening the link (as a mail scanner would) verified nothing.
  expect((await userRow(email)).email_verified).toBe(0)
  await page.getByRole('button', { name: `Verify ${email}` }).click()
  await expect(page.getByTestId('link-done')).toHaveText(`Your address is verified: ${email}. You can close this page.`)
  expect((await userRow(email)).email_verified).toBe(1)
}

test.describe('verified addresses', () => {
  test('case 53: the first sign-in sends a link; its button verifies the address, and the next login claims emailVerified', async ({
    page,
    browser,
    loginPage,
  }) => {
    const user = await createUser({ prefix: 'addr-login' })
    const first = await createLoginRequest()
    await loginPage.signInThrough(first, user)
    expect((await readLoginRequest(first.loginRequestId))?.user).toMatchObject({ email: user.email, emailVerified: false })

    const mail = await waitForMail(user.email)
    expect(mail.subject).toBe('Verify your email address')
    expect(mail.text).toContain(`Confirm that ${user.email} is your address`)
    const link = linkIn(mail, VERIFY)
    expect(link).toMatch(/\/verify-email\/[A-Za-z0-9_-]{43}$/)
    // The page's security headers, and a form posted to it from another site is refused before any action runs.
    const headers = (await page.request.get(link)).headers()
    expect(headers['x-frame-options']).toBe('DENY')
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(headers['referrer-policy']).toBe('no-referrer')
    const crossSite = await page.request.post(link, {
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      form: { token: link.split('/').at(-1)! },
      maxRedirects: 0,
    })
    expect(crossSite.status()).toBe(403)
    expect((await userRow(user.email)).email_verified).toBe(0)
    await verifyWith(page, link, user.email)
    expect((await auditRowsFor(user.email)).map((row) => [row.actor, row.action])).toContainEqual([user.email, 'user.verify_email'])

    // The next login, from another browser, claims the verified address, and no new link is sent.
    const other = await browser.newContext()
    const second = await createLoginRequest()
    await new LoginPage(await other.newPage()).signInThrough(second, user)
    await other.close()
    expect((await readLoginRequest(second.loginRequestId))?.user).toMatchObject({ email: user.email, emailVerified: true })
    expect(await outboxKinds(user.email)).toEqual(['verify_email'])

    await expectUsedOrExpired(page, link, 'used', 'This link was already used')
    const unknown = await page.request.get(`${VERIFY}${'A'.repeat(43)}`, { maxRedirects: 0 })
    expect(unknown.headers().location).toBe('/verify-email/problem/unknown')
    expect((await page.request.get('/verify-email/problem/unknown', { maxRedirects: 0 })).status()).toBe(404)
  })

  test('case 53: /account sends a new link on demand, which ends the older one', async ({ page }) => {
    const user = await createUser({ prefix: 'addr-account' })
    await signInAtAccount(page, user)
    // Signing in at /account sent the first link.
    const older = linkIn(await waitForMail(user.email), VERIFY)
    await expect(page.getByTestId('address-status')).toHaveText(`${user.email} is not verified yet.`)
    await page.getByRole('button', { name: 'Send a verification link' }).click()
    await expect(page.getByTestId('address-sent')).toHaveText(
      `We sent a link to ${user.email}. Open it and press the button to verify your address.`,
    )
    const newer = linkIn(await waitForMail(user.email, 2), VERIFY)
    expect(newer).not.toBe(older)
    await expectUsedOrExpired(page, older, 'expired', 'This link expired')
    await verifyWith(page, newer, user.email)
    await page.goto('/account')
    await expect(page.getByTestId('address-status')).toHaveText(`Verified: ${user.email}`)
    await expect(page.getByRole('button', { name: 'Send a verification link' })).toHaveCount(0)
    expect(await outboxKinds(user.email)).toEqual(['verify_email', 'verify_email'])
  })

  test('case 53: an invitation sent by email sets the password and verifies the address; a link shown to the admin does not', async ({
    page,
    browser,
  }) => {
    const admin = await createUser({ admin: true, prefix: 'addr-admin' })
    await signInAsAdmin(page, admin)
    const email = `addr-invited-${Date.now().toString(36)}@example.test`
    await page.goto('/admin/users/new')
    await page.getByLabel('Email', { exact: true }).fill(email)
    await expect(page.getByLabel('Send the invitation link by email')).toBeChecked()
    await page.getByRole('button', { name: 'Add and create an invitation link' }).click()
    await expect(page.getByTestId('invite-outcome')).toHaveText(
      `Added ${email}. Invitation sent to ${email}: the link arrives by email, and using it verifies the address.`,
    )
    await expect(page.getByTestId('invite-outcome').locator('input')).toHaveCount(0)
    expect((await auditRowsFor(email)).map((row) => [row.action, JSON.parse(row.detail ?? '{}').by_email])).toEqual([['user.invite', true]])

    const mail = await waitForMail(email)
    expect(mail.subject).toBe('Set your password')
    expect(mail.text).toContain(`${admin.email} added you as ${email}.`)
    const link = linkIn(mail, `${APP_URL}/invite/`)
    expect((await invitationsOf(email)).map((row) => row.created_by)).toEqual([`mail:${admin.email}`])
    const theirs = await browser.newContext()
    const invited = await theirs.newPage()
    await invited.goto(link)
    await invited.getByLabel('New password', { exact: true }).fill('a-new-password-for-addr')
    await invited.getByLabel('The same password again').fill('a-new-password-for-addr')
    await invited.getByRole('button', { name: 'Set my password' }).click()
    await expect(invited.getByTestId('password-set')).toBeVisible()
    await theirs.close()
    expect(await userRow(email)).toMatchObject({ email_verified: 1 })
    expect(await outboxKinds(email)).toEqual(['invitation'])

    // Unchecked: the link is shown to the admin, and the address gets a verification message.
    const shown = `addr-shown-${Date.now().toString(36)}@example.test`
    await page.getByLabel('Email', { exact: true }).fill(shown)
    await page.getByLabel('Send the invitation link by email').uncheck()
    await page.getByRole('button', { name: 'Add and create an invitation link' }).click()
    await expect(page.getByTestId('invite-outcome')).toContainText(`Added ${shown}. Send them this link to set their password:`)
    expect(linkIn(await waitForMail(shown), VERIFY)).toMatch(/[A-Za-z0-9_-]{43}$/)
    expect((await mailTo(shown)).map((m) => m.subject)).toEqual(['Verify your email address'])
  })
})
