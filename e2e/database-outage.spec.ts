import { test, expect } from './fixtures'
import { APP_URL, DATABASE_URL } from './support/config'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'
import { createUser } from './support/users'
import { statusOfCurrentPage, watchPartnerCallbacks } from './support/flows'
import { postgresControl } from './support/postgres-control'
import { LoginPage } from './pages/login-page'

// Case 27: PostgreSQL is stopped while the bridge runs, then started again. Logins fail closed with
// a 503 page (nothing reaches Scalekit without its ledger row), the admin area answers 503,
// /api/ready names the database, and everything recovers with no restart of the bridge.
// It stops the shared database, so `npm test` runs it on its own after the PostgreSQL suite
// (E2E_DATABASE_OUTAGE=1); the normal runs leave it out (playwright.config.ts).

const control = postgresControl(DATABASE_URL)

test.describe('the database going away and coming back (case 27)', () => {
  test.skip('skip' in control, 'skip' in control ? control.skip : '')

  test('case 27: logins fail closed with a 503, admin answers 503, and both recover without a restart', async ({
    browser,
    page,
    loginPage,
  }) => {
    if ('skip' in control) return
    test.setTimeout(120_000)
    const user = await createUser({ prefix: 'outage' })
    const admin = await createUser({ admin: true, prefix: 'outage-admin' })
    const adminPage = await (await browser.newContext()).newPage()
    await adminPage.goto('/admin/sign-in')
    await adminPage.getByLabel('Email').fill(admin.email)
    await adminPage.getByLabel('Password').fill(admin.password)
    await adminPage.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(adminPage.getByTestId('admin-email')).toHaveText(admin.email)

    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    const callbacks = watchPartnerCallbacks(page)

    await control.stop()
    try {
      // A sign-in in a login request that had already started.
      await loginPage.signIn(user.email, user.password)
      await loginPage.expectProblem('database_unavailable')
      expect(await statusOfCurrentPage(page)).toBe(503)
      await expect(page.getByRole('link', { name: 'Try again' })).toBeVisible()
      expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 0, status: 'pending' })
      expect(callbacks).toEqual([])

      // A login request arriving now cannot start without its ledger row.
      const arriving = await createLoginRequest()
      const other = new LoginPage(await (await browser.newContext()).newPage())
      await other.page.goto(arriving.loginUrl)
      await other.expectProblem('database_unavailable')
      expect(await statusOfCurrentPage(other.page)).toBe(503)

      // The admin area.
      await adminPage.goto('/admin')
      await expect(adminPage).toHaveURL(/\/admin\/unavailable$/)
      await expect(adminPage.getByTestId('admin-unavailable')).toBeVisible()
      expect((await adminPage.request.get('/admin', { maxRedirects: 0 })).status()).toBe(307)
      expect((await adminPage.request.get('/admin/unavailable')).status()).toBe(503)
      const exported = await adminPage.request.get('/admin/export?format=csv')
      expect(exported.status()).toBe(503)

      // Health says the process is up; readiness says which part is not.
      expect((await page.request.get('/api/health')).status()).toBe(200)
      const ready = await page.request.get('/api/ready')
      expect(ready.status()).toBe(503)
      expect(await ready.json()).toMatchObject({ status: 'unavailable', checks: { database: { ok: false }, scalekit: { ok: true } } })
    } finally {
      await control.start()
    }

    // Back by itself: no restart of the bridge.
    await expect.poll(async () => (await page.request.get('/api/ready')).status(), { timeout: 20_000 }).toBe(200)
    await page.getByRole('link', { name: 'Try again' }).click()
    await loginPage.signIn(user.email, user.password)
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', user_email: user.email })

    await adminPage.goto('/admin')
    await expect(adminPage).toHaveURL(`${APP_URL}/admin`)
    await expect(adminPage.getByRole('link', { name: request.loginRequestId })).toBeVisible()
  })
})
