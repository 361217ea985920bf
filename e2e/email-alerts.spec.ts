import type { Browser } from '@playwright/test'
import { test, expect } from './fixtures'
import { openDatabase, type DatabaseHandle } from '../lib/db'
import { BRIDGE_PORT, CONNECTION_ID, DATABASE_URL, SCALEKIT_URL } from './support/config'
import { createLoginRequest } from './support/stand-in-api'
import { createUser, type TestUser } from './support/users'
import { auditRowsFor, signInAsAdmin, userRow } from './support/admin'
import { withBridge } from './support/bridge'
import { loginUrlOn } from './support/sources'
import { mailTo, setMailFault, waitForMail } from './support/mail'
import { ledgerRow } from './support/ledger'
import { LoginPage } from './pages/login-page'
import { expectNoViolations } from './support/accessibility'

// New-sign-in alerts (MAIL_SIGN_IN_ALERTS=on, security.md case 54), on a bridge of their own that
// serves one named MCP server: a local user's login from a browser or address not seen before
// sends a message naming the server, time, address and browser; its link ends every session of
// the account and marks the login as reported for the admins. Nothing of it slows a login.

const PORT = BRIDGE_PORT + 47
const ALERTS_URL = `http://localhost:${PORT}`
const ALERTS = {
  MAIL_SIGN_IN_ALERTS: 'on',
  SCALEKIT_CONNECTION_ID: '',
  MCP_SERVERS: JSON.stringify([{ key: 'crm', name: 'CRM MCP', connectionId: CONNECTION_ID }]),
}
// Every bridge of the suite shares its database, so the main bridge's mail worker may send this
// bridge's alert: the link is then on the main bridge's address. It is opened on this bridge,
// whose configuration (one named server) the page reads.
const REPORT_LINK = /^http:\/\/localhost:\d+\/report-sign-in\/[A-Za-z0-9_-]{43}$/

const FIREFOX_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'

let handle: Promise<DatabaseHandle> | undefined
const db = () => (handle ??= openDatabase(DATABASE_URL)).then((h) => h.db)

async function alertsQueuedFor(email: string) {
  const user = await userRow(email)
  return (await db()).selectFrom('mail_outbox').selectAll().where('user_id', '=', user.id).where('kind', '=', 'sign_in_alert').execute()
}

/** A full login on the alerts bridge in a new browser (context), which is kept for more. */
async function loginInNewBrowser(browser: Browser, user: TestUser, userAgent?: string) {
  const context = await browser.newContext(userAgent ? { userAgent } : {})
  const loginPage = new LoginPage(await context.newPage())
  const request = await createLoginRequest()
  await loginPage.signInThrough({ loginUrl: loginUrlOn(ALERTS_URL, request), loginRequestId: request.loginRequestId }, user)
  return { context, loginPage, request }
}

test.describe('new-sign-in alerts', () => {
  test('case 54: a new browser gets an alert naming the server, a known one none; its report link ends every session and shows to admins', async ({
    browser,
    page,
  }) => {
    await withBridge(PORT, ALERTS, async () => {
      const user = await createUser({ prefix: 'alert', emailVerified: true })
      const first = await loginInNewBrowser(browser, user)
      const cookie = (await first.context.cookies(ALERTS_URL)).find((c) => c.name === 'bridge_device')
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
      expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
      const sightings = await (
        await db()
      )
        .selectFrom('known_sign_ins')
        .selectAll()
        .where('user_id', '=', (await userRow(user.email)).id)
        .execute()
      expect(sightings.map((row) => row.kind).sort()).toEqual(['address', 'browser'])
      expect(JSON.stringify(sightings)).not.toContain(cookie!.value)
      expect(await alertsQueuedFor(user.email)).toEqual([])

      // The same browser again ("Continue as"): known, no alert.
      const again = await createLoginRequest()
      await first.loginPage.open(loginUrlOn(ALERTS_URL, again))
      await first.loginPage.continueAs(user.name).click()
      await expect(first.loginPage.page.getByText(`login request ${again.loginRequestId} completed`)).toBeVisible()
      expect(await alertsQueuedFor(user.email)).toEqual([])

      const second = await loginInNewBrowser(browser, user, FIREFOX_ON_LINUX)
      const queued = await alertsQueuedFor(user.email)
      expect(queued).toHaveLength(1)
      const params = JSON.parse(queued[0]!.params) as Record<string, unknown>
      expect(params).toMatchObject({ loginRequestId: second.request.loginRequestId, server: 'CRM MCP', browser: 'Firefox, Linux' })
      expect(Object.keys(params).sort()).toEqual(['at', 'browser', 'ip', 'loginRequestId', 'server'])

      const mail = await waitForMail(user.email)
      expect(mail.subject).toBe('New sign-in to your account')
      expect(mail.text).toContain(`Someone signed in to CRM MCP as ${user.email}`)
      expect(mail.text).toMatch(/Address: (127\.0\.0\.1|::1)/)
      expect(mail.text).toContain('Browser: Firefox, Linux')
      expect(mail.text).not.toContain(second.request.loginRequestId)
      expect(mail.text).not.toContain(second.request.state)
      const link = mail.links.find((l) => l.includes('/report-sign-in/'))!
      expect(link).toMatch(REPORT_LINK)

      // The first browser still holds its session, until the report.
      const before = await createLoginRequest()
      await first.loginPage.open(loginUrlOn(ALERTS_URL, before))
      await expect(first.loginPage.continueAs(user.name)).toBeVisible()

      const opened = await second.loginPage.page.goto(`${ALERTS_URL}${new URL(link).pathname}`)
      expect(opened?.headers()['cache-control']).toBe('no-store')
      const reportPage = second.loginPage.page
      await expect(reportPage.getByRole('heading', { name: 'Report a sign-in' })).toBeVisible()
      await expectNoViolations(reportPage, 'the report page')
      await expect(reportPage.getByTestId('reported-sign-in')).toContainText('Server: CRM MCP')
      expect((await ledgerRow(second.request.loginRequestId))?.reported_at).toBeNull()
      await reportPage.getByRole('button', { name: "This wasn't me" }).click()
      await expect(reportPage.getByTestId('link-done')).toContainText(`Every session of ${user.email} has ended`)
      await expect(reportPage.getByRole('link', { name: 'Reset your password' })).toHaveAttribute('href', '/login/forgot')

      const reportedAt = (await ledgerRow(second.request.loginRequestId))?.reported_at
      expect(reportedAt).toBeGreaterThan(0)
      expect((await userRow(user.email)).sessions_revoked_at).toBe(reportedAt)
      expect((await auditRowsFor(user.email)).map((row) => row.action)).toContain('user.report_sign_in')

      const after = await createLoginRequest()
      await first.loginPage.open(loginUrlOn(ALERTS_URL, after))
      await expect(first.loginPage.continueAs(user.name)).toHaveCount(0)
      await expect(first.loginPage.email).toBeVisible()

      const used = await page.request.get(link, { maxRedirects: 0 })
      expect(used.headers().location).toBe('/report-sign-in/problem/used')
      expect((await page.request.get('/report-sign-in/problem/used', { maxRedirects: 0 })).status()).toBe(410)

      const admin = await createUser({ admin: true, prefix: 'alert-admin' })
      await signInAsAdmin(page, admin)
      await page.goto(`/admin/logins/${encodeURIComponent(second.request.loginRequestId)}`)
      await expect(page.getByTestId('reported')).toContainText('Reported by the user as not theirs at')
      // The list of logins marks it too.
      await page.goto(`/admin?q=${encodeURIComponent(second.request.loginRequestId)}`)
      await expect(page.getByTestId('ledger-row').getByTestId('reported-badge')).toHaveText('reported')
      // And lists only the reported ones when asked.
      await page.goto('/admin')
      await page.getByLabel('Only sign-ins reported as not theirs').check()
      await page.getByRole('button', { name: 'Apply filters' }).click()
      await expect(page).toHaveURL(/[?&]reported=1(&|$)/)
      await expect(page.getByLabel('Only sign-ins reported as not theirs')).toBeChecked()
      const reportedRows = page.getByTestId('ledger-row')
      await expect(
        reportedRows.filter({ has: page.locator(`a[href="/admin/logins/${encodeURIComponent(second.request.loginRequestId)}"]`) }),
      ).toHaveCount(1)
      await expect(reportedRows.filter({ hasNot: page.getByTestId('reported-badge') })).toHaveCount(0)
      await first.context.close()
      await second.context.close()
    })
  })

  test('case 54: a slow or refusing SMTP server delays no login, and the alert arrives once it recovers', async ({ browser }) => {
    await withBridge(PORT, ALERTS, async () => {
      const user = await createUser({ prefix: 'alert-slow', emailVerified: true })
      await (await loginInNewBrowser(browser, user)).context.close()
      let expected = 0
      for (const fault of [{ mode: 'slow', delayMs: 5000 } as const, { mode: 'reject' } as const]) {
        try {
          await setMailFault(fault)
          const context = await browser.newContext()
          const loginPage = new LoginPage(await context.newPage())
          const request = await createLoginRequest()
          await loginPage.open(loginUrlOn(ALERTS_URL, request))
          await loginPage.email.fill(user.email)
          await loginPage.password.fill(user.password)
          const callback = loginPage.page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
          const started = Date.now()
          await loginPage.signInButton.click()
          await callback
          expect(Date.now() - started, `a login with the SMTP server ${fault.mode}`).toBeLessThan(3000)
          expected += 1
          expect(await alertsQueuedFor(user.email)).toHaveLength(expected)
          await context.close()
        } finally {
          await setMailFault({ mode: 'ok' })
        }
        await waitForMail(user.email, expected, 30_000)
      }
      expect((await mailTo(user.email)).map((m) => m.subject)).toEqual(['New sign-in to your account', 'New sign-in to your account'])
    })
  })
})
