import { test, expect } from './fixtures'
import { randomInt } from 'node:crypto'
import type { Browser } from '@playwright/test'
import { APP_URL, BRIDGE_PORT } from './support/config'
import { startBridge, type RunningBridge } from './support/bridge'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { accountLockedUntil, ledgerRow } from './support/ledger'
import { untilClockPasses } from './support/clock'
import { createUser } from './support/users'
import { LoginPage } from './pages/login-page'

// Case 22 (and 21's "same message"): failed email-and-password sign-ins are throttled per account
// and per client address, in the database, with a temporary lockout. The bridge here trusts one
// proxy hop, so each case speaks from its own X-Forwarded-For address and cannot lock the others.

// Long enough for the refused attempts that must land inside a lock (they come within about two
// seconds of its start), short enough that waiting out the lock costs little.
const LOCKOUT_SECONDS = 6
const INCORRECT = 'The email or password is incorrect.'
const THROTTLED = 'Too many failed sign-in attempts. Wait about a minute, then try again.'

let bridge: RunningBridge

test.beforeAll(async () => {
  bridge = await startBridge(BRIDGE_PORT + 6, {
    TRUSTED_PROXY_HOPS: '1',
    SIGN_IN_MAX_FAILURES_PER_ACCOUNT: '3',
    SIGN_IN_MAX_FAILURES_PER_IP: '6',
    SIGN_IN_FAILURE_WINDOW_SECONDS: '60',
    SIGN_IN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
  })
})

test.afterAll(async () => {
  await bridge?.stop()
})

// Addresses from a random 10.x.y.0/24 per run, one per browser, so no case shares counts with another.
const network = `10.${randomInt(256)}.${randomInt(256)}`
let addressCounter = 0
/** A browser whose requests arrive through the trusted proxy from an address of its own. */
async function browserFrom(browser: Browser) {
  addressCounter += 1
  const address = `${network}.${addressCounter}`
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': address } })
  const page = await context.newPage()
  return { context, page, loginPage: new LoginPage(page), address }
}

/** One sign-in, waiting for the bridge's answer, so a message left from the last try is not read as this one's. */
async function signIn(loginPage: LoginPage, email: string, password: string) {
  const answered = loginPage.page.waitForResponse((response) => response.request().method() === 'POST')
  await loginPage.signIn(email, password)
  await answered
}

async function openLogin(loginPage: LoginPage) {
  const request = await createLoginRequest()
  await loginPage.open(request.loginUrl.replace(APP_URL, bridge.url))
  return request
}

test.describe('sign-in throttling (case 22)', () => {
  test('case 22: an account is locked after its failures, for anyone and with the same words as an unknown email, then unlocks by itself', async ({
    browser,
  }) => {
    const user = await createUser({ prefix: 'throttle' })
    const { context, loginPage } = await browserFrom(browser)
    const request = await openLogin(loginPage)
    const other = await browserFrom(browser)
    await openLogin(other.loginPage)
    const stranger = await browserFrom(browser)
    await openLogin(stranger.loginPage)

    // A real account and an unknown email, each from its own address: the same words every time.
    let refusedAt = 0
    for (const [page, email] of [
      [loginPage, user.email],
      [stranger.loginPage, `nobody-${Date.now()}@example.test`],
    ] as const) {
      for (let i = 0; i < 3; i += 1) {
        await signIn(page, email, 'wrong-password-1')
        await expect(page.formMessage).toHaveText(INCORRECT)
      }
      // The fourth attempt is refused without a check, even with the right password.
      if (email === user.email) refusedAt = Date.now()
      await signIn(page, email, email === user.email ? user.password : 'wrong-password-1')
      await expect(page.formMessage).toHaveText(THROTTLED)
      await expect(page.email).toHaveValue(email)

      if (email === user.email) {
        // The account is locked from another address too.
        await signIn(other.loginPage, user.email, user.password)
        await expect(other.loginPage.formMessage).toHaveText(THROTTLED)
      }
    }
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 0, status: 'pending' })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'throttled' })

    // Temporary: after the lockout the right password completes the same login request. The case
    // waits for the end of the lock the bridge set (its locked_until, by the clock it reads).
    const lockEnds = await accountLockedUntil(user.email)
    expect(lockEnds).toBeGreaterThan(refusedAt)
    expect(lockEnds).toBeLessThanOrEqual(refusedAt + LOCKOUT_SECONDS * 1000)
    await untilClockPasses(lockEnds!)
    await signIn(loginPage, user.email, user.password)
    await expect(loginPage.page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    await context.close()
    await other.context.close()
    await stranger.context.close()
  })

  test('case 22: an address that sprays many accounts is locked, and other addresses are not', async ({ browser }) => {
    const user = await createUser({ prefix: 'spray' })
    const sprayer = await browserFrom(browser)
    await openLogin(sprayer.loginPage)
    for (let i = 0; i < 6; i += 1) {
      await signIn(sprayer.loginPage, `spray-${i}-${Date.now()}@example.test`, 'wrong-password-2')
      await expect(sprayer.loginPage.formMessage).toHaveText(INCORRECT)
    }
    await signIn(sprayer.loginPage, user.email, user.password)
    await expect(sprayer.loginPage.formMessage).toHaveText(THROTTLED)

    const elsewhere = await browserFrom(browser)
    const request = await openLogin(elsewhere.loginPage)
    await signIn(elsewhere.loginPage, user.email, user.password)
    await expect(elsewhere.page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    await sprayer.context.close()
    await elsewhere.context.close()
  })

  test('case 22: posts straight to the Auth.js credentials callback count against the same limit', async ({ browser }) => {
    const user = await createUser({ prefix: 'direct' })
    const { context, loginPage } = await browserFrom(browser)
    const api = context.request
    for (let i = 0; i < 3; i += 1) {
      const { csrfToken } = (await (await api.get(`${bridge.url}/api/auth/csrf`)).json()) as { csrfToken: string }
      const response = await api.post(`${bridge.url}/api/auth/callback/local`, {
        form: { csrfToken, email: user.email, password: 'wrong-password-3' },
        maxRedirects: 0,
      })
      // Refused, and not tied to any login request: the page that says to start from the MCP client.
      expect(response.status()).toBe(303)
      expect(response.headers().location).toBe(`${bridge.url}/login/problem/no_session`)
    }
    await openLogin(loginPage)
    await signIn(loginPage, user.email, user.password)
    await expect(loginPage.formMessage).toHaveText(THROTTLED)
    await context.close()
  })
})
