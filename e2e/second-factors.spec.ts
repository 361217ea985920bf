import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { APP_URL, BRIDGE_PORT } from './support/config'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerEvents, ledgerRow } from './support/ledger'
import { createUser, runUsersCli } from './support/users'
import { partnerCallback } from './support/flows'
import { withBridge } from './support/bridge'
import { Authenticator, enrolAuthenticator, shownRecoveryCodes, signInAtAccount, storedFactors } from './support/factors'
import { untilClockPasses } from './support/clock'
import { LoginPage } from './pages/login-page'

// Authenticator codes (RFC 6238) and recovery codes for the local directory: set up on /account,
// asked after the password, each code accepted once, counted by the sign-in throttle, required
// by LOCAL_MFA=required before anything reaches Scalekit; the methods travel as amr.

const CODE_LABEL = 'Authenticator code or recovery code'
const AMR = ['pwd', 'otp', 'mfa']

/**
 * Enters a code and waits for the bridge's answer, so the next code is not typed into a form the
 * answer is about to replace (and a message left from the last try is not read as this one's).
 */
async function submitCode(page: Page, code: string) {
  await page.getByLabel(CODE_LABEL).fill(code)
  const answered = page.waitForResponse((response) => response.request().method() === 'POST')
  await page.getByRole('button', { name: 'Verify' }).click()
  await answered
}

async function passwordThenCode(loginPage: LoginPage, user: { email: string; password: string }, code: string) {
  await loginPage.signIn(user.email, user.password)
  await expect(loginPage.page).toHaveURL(/\/login\/verify\?/)
  // The code step keeps saying how long is left (LOGIN_REQUEST_TTL_SECONDS=600, just arrived).
  await expect(loginPage.page.getByTestId('time-limit')).toHaveText(
    /^You have about (10|9) minutes to sign in; after that, start again from your MCP client\.$/,
  )
  await submitCode(loginPage.page, code)
}

test.describe('authenticator and recovery codes', () => {
  test('case 43: enrol on /account, then a login asks for the code after the password and passes amr on', async ({ page }) => {
    const user = await createUser({ prefix: 'totp' })
    await signInAtAccount(page, APP_URL, user)
    await expect(page.getByTestId('account-email')).toContainText(user.email)
    await expect(page.getByTestId('totp-status')).toContainText('Off.')
    const { app, recoveryCodes } = await enrolAuthenticator(page, APP_URL)
    const stored = await storedFactors(user.email)
    expect(stored.totp?.confirmed_at).toEqual(expect.any(Number))
    // The key is sealed, the codes hashed: neither is in the database as shown.
    expect(stored.totp?.sealed_key).not.toContain(app.keyText.replace(/ /g, ''))
    expect(stored.codes.map((row) => row.code_hash)).not.toContain(recoveryCodes[0])
    expect(stored.codes).toHaveLength(10)
    await page.goto(`${APP_URL}/account`)
    await expect(page.getByTestId('totp-status')).toHaveText('On. 10 of 10 recovery codes left.')

    // A fresh browser: the password alone makes no session and sends nothing.
    const fresh = await page.context().browser()!.newContext()
    const freshLogin = new LoginPage(await fresh.newPage())
    const request = await createLoginRequest()
    await freshLogin.open(request.loginUrl)
    await freshLogin.signIn(user.email, user.password)
    await expect(freshLogin.page).toHaveURL(/\/login\/verify\?/)
    expect((await fresh.cookies()).map((c) => c.name)).not.toContain('authjs.session-token')
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
    await freshLogin.page.getByLabel(CODE_LABEL).fill('000000')
    await freshLogin.page.getByRole('button', { name: 'Verify' }).click()
    await expect(freshLogin.formMessage).toHaveText(
      'That code is not right. Check your authenticator app (or your recovery codes) and try again.',
    )
    // The enrolment used this step's code: the next step's (one step of drift) completes.
    const code = app.code(1)
    const callback = freshLogin.page.waitForRequest((r) => r.url().startsWith(partnerCallback(request.state)))
    await freshLogin.page.getByLabel(CODE_LABEL).fill(code)
    await freshLogin.page.getByRole('button', { name: 'Verify' }).click()
    expect((await callback).url()).toBe(partnerCallback(request.state))
    expect((await readLoginRequest(request.loginRequestId))?.user).toMatchObject({ email: user.email, customAttributes: { amr: AMR } })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', auth_methods: 'pwd otp mfa' })
    expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'sign_in_failed', 'signed_in', 'submitted', 'completed'])

    // The same code again, in a third browser, within its window: refused as used.
    const third = await page.context().browser()!.newContext()
    const thirdLogin = new LoginPage(await third.newPage())
    const again = await createLoginRequest()
    await thirdLogin.open(again.loginUrl)
    await passwordThenCode(thirdLogin, user, code)
    await expect(thirdLogin.formMessage).toHaveText('That code was already used. Wait for the next one in your app.')
    expect((await readLoginRequest(again.loginRequestId))?.userDetailsCalls).toBe(0)

    // A recovery code works once.
    await thirdLogin.page.getByLabel(CODE_LABEL).fill(recoveryCodes[0]!)
    await thirdLogin.page.getByRole('button', { name: 'Verify' }).click()
    await expect(thirdLogin.page.getByText(`login request ${again.loginRequestId} completed`)).toBeVisible()
    expect(await ledgerRow(again.loginRequestId)).toMatchObject({ status: 'completed', auth_methods: 'pwd otp mfa' })
    const fourth = await page.context().browser()!.newContext()
    const fourthLogin = new LoginPage(await fourth.newPage())
    const last = await createLoginRequest()
    await fourthLogin.open(last.loginUrl)
    await passwordThenCode(fourthLogin, user, recoveryCodes[0]!)
    await expect(fourthLogin.formMessage).toHaveText(
      'That code is not right. Check your authenticator app (or your recovery codes) and try again.',
    )
    expect((await storedFactors(user.email)).codes.filter((row) => row.used_at !== null)).toHaveLength(1)
    await Promise.all([fresh.close(), third.close(), fourth.close()])
  })

  test('case 43: a password accepted before the account was signed out everywhere makes no session, whatever code follows', async ({
    page,
    browser,
  }) => {
    const user = await createUser({ prefix: 'totp-revoked' })
    await signInAtAccount(page, APP_URL, user)
    const { app } = await enrolAuthenticator(page, APP_URL)
    const context = await browser.newContext()
    try {
      const loginPage = new LoginPage(await context.newPage())
      const request = await createLoginRequest()
      await loginPage.open(request.loginUrl)
      await loginPage.signIn(user.email, user.password)
      await expect(loginPage.page).toHaveURL(/\/login\/verify\?/)
      // Meanwhile the account's sessions are ended (as a password reset does): the waiting step ends with them.
      expect((await runUsersCli(['sign-out-everywhere', user.email])).code).toBe(0)
      await submitCode(loginPage.page, app.code(1))
      await expect(loginPage.page).toHaveURL(`${APP_URL}/login/problem/account_unavailable`)
      expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
      expect((await context.cookies()).map((c) => c.name)).not.toContain('authjs.session-token')
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending' })
    } finally {
      await context.close()
    }
  })

  test('case 43: wrong codes count in the sign-in throttle like wrong passwords', async ({ browser }) => {
    await withBridge(BRIDGE_PORT + 20, { SIGN_IN_MAX_FAILURES_PER_ACCOUNT: '3', SIGN_IN_LOCKOUT_SECONDS: '600' }, async (bridge) => {
      const user = await createUser({ prefix: 'totp-guess' })
      const context = await browser.newContext()
      const page = await context.newPage()
      await signInAtAccount(page, bridge.url, user)
      const { app } = await enrolAuthenticator(page, bridge.url)
      const loginPage = new LoginPage(page)
      const request = await createLoginRequest()
      await loginPage.open(request.loginUrl.replace(APP_URL, bridge.url))
      await passwordThenCode(loginPage, user, '111111')
      for (const guess of ['222222', '333333']) {
        await expect(loginPage.formMessage).toContainText('That code is not right.')
        await submitCode(page, guess)
      }
      // Three failures lock the account: even the right code is now refused without a check.
      await expect(loginPage.formMessage).toContainText('That code is not right.')
      await submitCode(page, app.code(1))
      await expect(loginPage.formMessage).toHaveText('Too many failed sign-in attempts. Wait about 10 minutes, then try again.')
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'throttled' })
      expect((await storedFactors(user.email)).totp?.last_step).not.toBe(Math.floor(Date.now() / 30_000) + 1)
      await context.close()
    })
  })

  test('case 44: LOCAL_MFA=required takes a user without a second factor to enrol before anything reaches Scalekit', async ({
    browser,
  }) => {
    await withBridge(BRIDGE_PORT + 21, { LOCAL_MFA: 'required' }, async (bridge) => {
      const user = await createUser({ prefix: 'required' })
      const context = await browser.newContext()
      const loginPage = new LoginPage(await context.newPage())
      const { page } = loginPage
      const request = await createLoginRequest()
      await loginPage.open(request.loginUrl.replace(APP_URL, bridge.url))
      await loginPage.signIn(user.email, user.password)
      await expect(page).toHaveURL(/\/login\/enrol\?/)
      await expect(page.getByTestId('enrol-intro')).toContainText('you have about 10 minutes before this sign-in request expires')
      expect((await context.cookies()).map((c) => c.name)).not.toContain('authjs.session-token')
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', auth_methods: null })

      const app = new Authenticator(await page.getByTestId('totp-key').innerText())
      await page.getByLabel('The 6-digit code your app shows').fill(app.code())
      await page.getByRole('button', { name: 'Turn on and continue' }).click()
      await shownRecoveryCodes(page)
      expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
      const callback = page.waitForRequest((r) => r.url().startsWith(partnerCallback(request.state)))
      await page.getByRole('button', { name: 'Continue' }).click()
      expect((await callback).url()).toBe(partnerCallback(request.state))
      expect((await readLoginRequest(request.loginRequestId))?.user).toMatchObject({ email: user.email, customAttributes: { amr: AMR } })
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', auth_methods: 'pwd otp mfa' })
      await context.close()
    })
  })

  test('case 44: a login request that expires during enrolment ends on the expired page; the authenticator stays, and the last factor cannot be removed', async ({
    browser,
  }) => {
    test.setTimeout(90_000)
    await withBridge(BRIDGE_PORT + 22, { LOCAL_MFA: 'required', LOGIN_REQUEST_TTL_SECONDS: '10' }, async (bridge) => {
      const user = await createUser({ prefix: 'required-late' })
      const context = await browser.newContext()
      const loginPage = new LoginPage(await context.newPage())
      const { page } = loginPage
      const request = await createLoginRequest()
      await loginPage.open(request.loginUrl.replace(APP_URL, bridge.url))
      await loginPage.signIn(user.email, user.password)
      await expect(page.getByTestId('enrol-intro')).toContainText('you have about a minute before this sign-in request expires')
      const app = new Authenticator(await page.getByTestId('totp-key').innerText())
      await untilClockPasses((await ledgerRow(request.loginRequestId))!.expires_at)
      await page.getByLabel('The 6-digit code your app shows').fill(app.code())
      await page.getByRole('button', { name: 'Turn on and continue' }).click()
      await shownRecoveryCodes(page)
      await page.getByRole('button', { name: 'Continue' }).click()
      await expect(page.getByTestId('problem-code')).toHaveText('expired')
      expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
      expect((await storedFactors(user.email)).totp?.confirmed_at).toEqual(expect.any(Number))

      // With a second factor required, /account offers no way to remove the only one.
      await page.goto(`${bridge.url}/account`)
      await expect(page.getByTestId('totp-status')).toHaveText('On. 10 of 10 recovery codes left.')
      await expect(page.getByRole('button', { name: 'Turn off the authenticator app' })).toHaveCount(0)
      await context.close()
    })
  })

  test('case 43: an admin with an authenticator signs in to the admin area with a code', async ({ page }) => {
    const admin = await createUser({ prefix: 'totp-admin', admin: true })
    await signInAtAccount(page, APP_URL, admin)
    const { app } = await enrolAuthenticator(page, APP_URL)
    await page.context().clearCookies()
    await page.goto(`${APP_URL}/admin/sign-in`)
    await page.getByLabel('Email').fill(admin.email)
    await page.getByLabel('Password').fill(admin.password)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(page).toHaveURL(`${APP_URL}/account/verify`)
    await page.getByLabel(CODE_LABEL).fill(app.code(1))
    await page.getByRole('button', { name: 'Verify' }).click()
    await expect(page).toHaveURL(`${APP_URL}/admin`)
  })

  test('case 43: /account is never cached and refuses a form posted from another site', async ({ page, playwright }) => {
    const response = await page.goto(`${APP_URL}/account`)
    expect(response?.headers()['cache-control']).toBe('no-store')
    const api = await playwright.request.newContext()
    const post = await api.post(`${APP_URL}/account`, { headers: { origin: 'https://evil.example' }, form: { email: 'x@example.test' } })
    expect(post.status()).toBe(403)
    expect(await post.text()).toBe('Forbidden: this form was not sent from this site.\n')
    await api.dispose()
  })
})
