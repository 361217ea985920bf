import { test, expect } from './fixtures'
import { startBridge, type RunningBridge } from './support/bridge'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerEvents, ledgerRow } from './support/ledger'
import { partnerCallback } from './support/flows'
import { createUser } from './support/users'
import { APP_URL, SCALEKIT_URL } from './support/config'

// The smoke cases against what the container image runs: `node .next/standalone/server.js` (built
// by `npm run build`), on its own port, with the suite's configuration and database. A login, an
// admin page, health and readiness; the static assets the page needs are served from the copy
// scripts/standalone.mjs put beside the server.

const STANDALONE_PORT = 3800

let bridge: RunningBridge

test.beforeAll(async () => {
  bridge = await startBridge(STANDALONE_PORT, {}, { standalone: true })
})

test.afterAll(async () => {
  // SIGTERM with nothing in flight: the graceful shutdown ends at once, with code 0.
  expect(await bridge.signal('SIGTERM')).toBe(0)
})

test.describe('the standalone server (the container image entry point)', () => {
  test('answers /api/health and /api/ready', async ({ request }) => {
    const health = await request.get(`${bridge.url}/api/health`)
    expect(health.status()).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    const ready = await request.get(`${bridge.url}/api/ready`)
    expect(ready.status()).toBe(200)
    expect(ready.headers()['cache-control']).toBe('no-store')
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, scalekit: { ok: true }, peerAddress: { ok: true } },
    })
  })

  test('completes a login on partner:callback, with its stylesheet served', async ({ page, loginPage, user }) => {
    const request = await createLoginRequest()
    // The stand-in sends people to the suite's main bridge; this login comes to the standalone one.
    const loginUrl = request.loginUrl.replace(APP_URL, bridge.url)
    expect(loginUrl.startsWith(`${bridge.url}/login?`)).toBe(true)
    const stylesheets: number[] = []
    page.on('response', (response) => {
      if (response.url().startsWith(`${bridge.url}/_next/static/`) && response.url().endsWith('.css')) stylesheets.push(response.status())
    })
    const response = await loginPage.open(loginUrl)
    expect(response?.status()).toBe(200)
    expect(stylesheets.length).toBeGreaterThan(0)
    expect(stylesheets.every((status) => status === 200)).toBe(true)

    const callback = page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
    await loginPage.signIn(user.email, user.password)
    expect((await callback).url()).toBe(partnerCallback(request.state))
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 1, user: { email: user.email } })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', user_email: user.email, identity_source: 'local' })
    expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'signed_in', 'submitted', 'completed'])
  })

  test('serves the admin area: sign-in redirect, then the ledger for an administrator', async ({ page }) => {
    const anonymous = await page.request.get(`${bridge.url}/admin`, { maxRedirects: 0 })
    expect(anonymous.status()).toBe(307)
    expect(anonymous.headers()['location']).toBe('/admin/sign-in')

    const admin = await createUser({ admin: true, prefix: 'standalone-admin' })
    await page.goto(`${bridge.url}/admin/sign-in`)
    await page.getByLabel('Email').fill(admin.email)
    await page.getByLabel('Password').fill(admin.password)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(page.getByTestId('admin-email')).toHaveText(admin.email)
    expect(new URL(page.url()).pathname).toBe('/admin')
  })
})
