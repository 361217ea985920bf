import { test, expect } from './fixtures'
import { APP_URL, CONNECTION_ID, SCALEKIT_URL } from './support/config'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerEvents, ledgerRow } from './support/ledger'
import { createUser } from './support/users'
import { partnerCallback } from './support/flows'

test.describe('the login flow', () => {
  test('signs in, sends the claims to Scalekit and lands on partner:callback', async ({ page, loginPage, user }) => {
    // The ledger keeps the TCP peer's address; headers a client makes up do not change it.
    await page.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.9', 'x-bridge-peer-address': '198.51.100.7' })
    const request = await createLoginRequest()
    const response = await loginPage.open(request.loginUrl)
    expect(response?.status()).toBe(200)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', connection_id: CONNECTION_ID })
    // No hidden time limit: the page says how long the request stays open (LOGIN_REQUEST_TTL_SECONDS=600).
    await expect(page.getByTestId('time-limit')).toHaveText(
      'You have about 10 minutes to sign in; after that, start again from your MCP client.',
    )

    const callback = page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
    await loginPage.signIn(user.email, user.password)
    expect((await callback).url()).toBe(partnerCallback(request.state))
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()

    const received = await readLoginRequest(request.loginRequestId)
    expect(received?.userDetailsCalls).toBe(1)
    // How the person signed in travels with the claims (RFC 8176: pwd, a password), for the MCP server to insist on more.
    expect(received?.user).toMatchObject({ email: user.email, name: user.name, emailVerified: false, customAttributes: { amr: ['pwd'] } })
    expect(String(received?.user?.sub)).toMatch(/^[0-9a-f-]{36}$/)

    const row = await ledgerRow(request.loginRequestId)
    expect(row).toMatchObject({
      status: 'completed',
      identity_source: 'local',
      user_email: user.email,
      user_sub: received?.user?.sub,
      auth_request_id: received?.authRequestId,
      auth_methods: 'pwd',
      error_code: null,
    })
    expect(JSON.parse(row!.claims!)).toEqual({
      sub: received?.user?.sub,
      email: user.email,
      emailVerified: false,
      name: user.name,
      customAttributes: { amr: ['pwd'] },
    })
    expect(row!.state_hash).not.toContain(request.state)
    expect(['127.0.0.1', '::1']).toContain(row!.ip)
    expect(row!.user_agent).toContain('Chrome')
    expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'signed_in', 'submitted', 'completed'])
  })

  test('claims emailVerified only for an account whose email was verified', async ({ page, loginPage }) => {
    const verified = await createUser({ emailVerified: true, prefix: 'verified' })
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    await loginPage.signIn(verified.email, verified.password)
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    expect((await readLoginRequest(request.loginRequestId))?.user).toMatchObject({ email: verified.email, emailVerified: true })
  })

  test('keeps the typed email after a failed sign-in and then succeeds', async ({ page, loginPage, user }) => {
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    await loginPage.signIn(user.email, 'not-the-password')
    await expect(loginPage.formMessage).toHaveText('The email or password is incorrect.')
    await expect(loginPage.email).toHaveValue(user.email)
    await expect(loginPage.password).toHaveValue('')
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
    await loginPage.password.fill(user.password)
    await loginPage.signInButton.click()
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
  })

  test('Cancel reports loginFailed to Scalekit and returns to partner:callback', async ({ page, loginPage }) => {
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    const callback = page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
    await loginPage.cancelButton.click()
    expect((await callback).url()).toBe(partnerCallback(request.state))
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} failed`)).toBeVisible()
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ loginFailed: true, userDetailsCalls: 1 })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'cancelled', user_email: null })
    expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'cancelled'])
  })

  test('case 2: two tabs with two login requests each complete with their own state', async ({ context, user }) => {
    const first = await createLoginRequest()
    const second = await createLoginRequest()
    const tabOne = await context.newPage()
    const tabTwo = await context.newPage()
    await tabOne.goto(first.loginUrl)
    await tabTwo.goto(second.loginUrl)

    await tabTwo.getByLabel('Email').fill(user.email)
    await tabTwo.getByLabel('Password').fill(user.password)
    const callbackTwo = tabTwo.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
    await tabTwo.getByRole('button', { name: 'Sign in', exact: true }).click()
    expect((await callbackTwo).url()).toBe(partnerCallback(second.state))
    await expect(tabTwo.getByText(`login request ${second.loginRequestId} completed`)).toBeVisible()

    // Tab one was opened before the sign-in; it now completes with its own state.
    await tabOne.reload()
    const callbackOne = tabOne.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
    await tabOne.getByRole('button', { name: `Continue as ${user.name}` }).click()
    expect((await callbackOne).url()).toBe(partnerCallback(first.state))
    await expect(tabOne.getByText(`login request ${first.loginRequestId} completed`)).toBeVisible()

    for (const request of [first, second]) {
      expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ status: 'callback_used', userDetailsCalls: 1 })
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', user_email: user.email })
    }
  })

  test('works with JavaScript disabled, redirecting with 303 after the POST (case 9)', async ({ browser, user }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL: APP_URL })
    const page = await context.newPage()
    const request = await createLoginRequest()
    await page.goto(request.loginUrl)

    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill('wrong-password')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(page.getByTestId('form-message')).toHaveText('The email or password is incorrect.')
    await expect(page.getByLabel('Email')).toHaveValue(user.email)
    // The message is announced and named by both fields it is about (WCAG 3.3.1).
    const messageId = await page.getByTestId('form-message').getAttribute('id')
    expect(messageId).toBeTruthy()
    await expect(page.getByTestId('form-message')).toHaveAttribute('aria-live', 'polite')
    for (const field of [page.getByLabel('Email'), page.getByLabel('Password')]) {
      await expect(field).toHaveAttribute('aria-invalid', 'true')
      await expect(field).toHaveAttribute('aria-describedby', messageId!)
    }

    await page.getByLabel('Password').fill(user.password)
    const post = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${APP_URL}/login`))
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    const response = await post
    expect(response.status()).toBe(303)
    expect(response.headers()['location']).toBe(partnerCallback(request.state))
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    await context.close()
  })

  test('speaks the language the page asked for: the form, its message and a problem page', async ({ page, user }) => {
    const request = await createLoginRequest()
    await page.goto(`${request.loginUrl}&lang=de`)
    await expect(page.getByRole('heading', { name: 'Anmelden, um fortzufahren' })).toBeVisible()
    await expect(page.getByLabel('E-Mail-Adresse')).not.toHaveAttribute('aria-invalid')
    await page.getByLabel('E-Mail-Adresse').fill(user.email)
    await page.getByLabel('Passwort').fill('wrong-password')
    await page.getByRole('button', { name: 'Anmelden', exact: true }).click()
    await expect(page.getByTestId('form-message')).toHaveText('Die E-Mail-Adresse oder das Passwort ist falsch.')
    await expect(page.getByLabel('Passwort')).toHaveAttribute('aria-invalid', 'true')

    // The language is remembered for the next pages of this browser.
    const problem = await page.goto('/login/problem/expired')
    expect(problem?.status()).toBe(410)
    await expect(page.getByRole('heading', { name: 'Diese Anmeldeanfrage ist abgelaufen' })).toBeVisible()
    await expect(page.getByTestId('problem-code')).toHaveText('expired')
    await expect(page).toHaveTitle(/^Diese Anmeldeanfrage ist abgelaufen/)
  })
})
