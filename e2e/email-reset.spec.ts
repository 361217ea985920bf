import { test, expect } from './fixtures'
import { randomBytes } from 'node:crypto'
import { LoginPage } from './pages/login-page'
import { APP_URL, BRIDGE_PORT } from './support/config'
import { withBridge } from './support/bridge'
import { mailStats, mailTo, setMailFault, waitForMail } from './support/mail'
import { askForReset, auditRowsFor, expireResetLink, outboxRowsFor, resetLinkFor } from './support/reset'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { createUser } from './support/users'
import { loginUrlOn } from './support/sources'

// Cases 51 and 52: "Forgot your password?" for the local directory, through the suite's SMTP server.

const NEW_PASSWORD = () => `new-${randomBytes(9).toString('base64url')}`
const sentText = (email: string) => `If an account exists for ${email}, we sent a link to reset its password. It works for 30 minutes.`

test.describe('forgot password', () => {
  test('case 52: a reset from the sign-in page returns to the pending login request, which completes with the new password', async ({
    page,
    loginPage,
  }) => {
    const user = await createUser({ prefix: 'reset' })
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    const query = new URLSearchParams({ login_request_id: request.loginRequestId, state: request.state })
    const forgot = page.getByRole('link', { name: 'Forgot your password?' })
    await expect(forgot).toHaveAttribute('href', `/login/forgot?${query}`)
    await forgot.click()
    await expect(page.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible()

    // A malformed address is refused as typed, and nothing is written.
    await page.getByLabel('Email').fill('not-an-address')
    await page.getByRole('button', { name: 'Send the link' }).click()
    await expect(page.getByTestId('form-message')).toHaveText('Enter an email address such as name@example.com.')
    await expect(page.getByLabel('Email')).toHaveValue('not-an-address')

    const asked = await askForReset(page, user.email)
    expect(asked.text).toBe(sentText(user.email))
    await expect(page.getByRole('link', { name: 'Back to sign-in' })).toHaveAttribute('href', `/login?${query}`)

    const mail = await waitForMail(user.email)
    expect(mail.subject).toBe('Reset your password')
    expect(mail.text).toContain('The link works once, for 30 minutes.')
    const link = await resetLinkFor(user.email)
    expect(await page.goto(link).then((r) => r?.headers()['cache-control'])).toBe('no-store')
    await expect(page.getByTestId('reset-email')).toHaveText(user.email)

    // A mismatch keeps nothing secret.
    const password = NEW_PASSWORD()
    await page.getByLabel('New password').fill(password)
    await page.getByLabel('The same password again').fill(`${password}x`)
    await page.getByRole('button', { name: 'Change my password' }).click()
    await expect(page.getByTestId('form-message')).toHaveText('The two passwords are not the same.')
    await expect(page.getByLabel('New password')).toHaveValue('')

    await page.getByLabel('New password').fill(password)
    await page.getByLabel('The same password again').fill(password)
    await page.getByRole('button', { name: 'Change my password' }).click()
    await expect(page).toHaveURL(`${APP_URL}/login?${query}&reset=done`)
    await expect(page.getByTestId('reset-done')).toHaveText('Your password was changed. Sign in with your new password.')
    const audit = (await auditRowsFor(user.email)).filter((row) => row.action === 'user.password_reset')
    expect(audit).toMatchObject([{ actor: `self:${user.email}`, target: user.email }])
    expect(['127.0.0.1', '::1']).toContain(audit[0]!.ip)

    // The old password no longer works; the new one completes the login request at Scalekit.
    await loginPage.signIn(user.email, user.password)
    await expect(loginPage.formMessage).toHaveText('The email or password is incorrect.')
    await loginPage.password.fill(password)
    await loginPage.signInButton.click()
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
    expect((await readLoginRequest(request.loginRequestId))?.user).toMatchObject({ email: user.email })
  })

  test('case 52: a link works once, expires, and a newer one ends the older (410 pages that offer a new link)', async ({ page }) => {
    const user = await createUser({ prefix: 'reset-once' })
    await page.goto('/login/forgot')
    await askForReset(page, user.email)
    const first = await resetLinkFor(user.email, 1)
    await page.goto('/login/forgot')
    await askForReset(page, user.email)
    const second = await resetLinkFor(user.email, 2)

    const older = await page.goto(first)
    await expect(page).toHaveURL(`${APP_URL}/login/reset/problem/expired`)
    expect(older?.status()).toBe(410)
    await expect(page.getByRole('heading', { name: 'This reset link expired' })).toBeVisible()
    await expect(page.getByRole('link', { name: 'Ask for a new link' })).toHaveAttribute('href', '/login/forgot')

    await page.goto(second)
    const password = NEW_PASSWORD()
    await page.getByLabel('New password').fill(password)
    await page.getByLabel('The same password again').fill(password)
    await page.getByRole('button', { name: 'Change my password' }).click()
    // No login request to return to: the page says so and points to the account.
    await expect(page).toHaveURL(`${APP_URL}/login/reset/done`)
    await expect(page.getByRole('heading', { name: 'Password changed' })).toBeVisible()
    await expect(page.getByRole('link', { name: 'Go to your account' })).toHaveAttribute('href', '/account')

    const again = await page.goto(second)
    expect(again?.status()).toBe(410)
    await expect(page.getByRole('heading', { name: 'This reset link was already used' })).toBeVisible()

    await page.goto('/login/forgot')
    await askForReset(page, user.email)
    const third = await resetLinkFor(user.email, 3)
    await expireResetLink(third)
    expect((await page.goto(third))?.status()).toBe(410)
    await expect(page.getByTestId('problem-code')).toHaveText('expired')
    expect((await page.goto(`${APP_URL}/login/reset/${'A'.repeat(43)}`))?.status()).toBe(404)
    await expect(page.getByRole('heading', { name: 'This reset link is not valid' })).toBeVisible()
  })

  test('case 52: using the link ends the other sessions ("Continue as" and /account) of that person', async ({ page, browser }) => {
    const user = await createUser({ prefix: 'reset-sessions' })
    const other = await browser.newContext()
    try {
      const elsewhere = new LoginPage(await other.newPage())
      await elsewhere.signInThrough(await createLoginRequest(), user)
      await elsewhere.open((await createLoginRequest()).loginUrl)
      await expect(elsewhere.continueAs(user.name)).toBeVisible()

      await page.goto('/login/forgot')
      await askForReset(page, user.email)
      await page.goto(await resetLinkFor(user.email))
      const password = NEW_PASSWORD()
      await page.getByLabel('New password').fill(password)
      await page.getByLabel('The same password again').fill(password)
      await page.getByRole('button', { name: 'Change my password' }).click()
      await expect(page.getByRole('heading', { name: 'Password changed' })).toBeVisible()

      await elsewhere.open((await createLoginRequest()).loginUrl)
      await expect(elsewhere.continueAs(user.name)).toHaveCount(0)
      await expect(elsewhere.email).toBeVisible()
      await elsewhere.page.goto('/account')
      await expect(elsewhere.page.getByText('Sign in to manage your passkeys')).toBeVisible()
    } finally {
      await other.close()
    }
  })

  test('case 51: an unknown address gets the same page, status and time, and nothing is sent to it', async ({ page }) => {
    const known = await createUser({ prefix: 'reset-known' })
    const unknown = `nobody-${randomBytes(5).toString('hex')}@example.test`
    const known_ = []
    const unknown_ = []
    // Alternating, so a slower moment of the machine weighs on both alike.
    for (let i = 0; i < 5; i += 1) {
      await page.goto('/login/forgot')
      known_.push(await askForReset(page, known.email))
      await page.goto('/login/forgot')
      unknown_.push(await askForReset(page, unknown))
    }
    for (const answer of known_) expect(answer).toMatchObject({ status: 200, text: sentText(known.email) })
    for (const answer of unknown_) expect(answer).toMatchObject({ status: 200, text: sentText(unknown) })
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2]!
    expect(Math.abs(median(known_.map((a) => a.ms)) - median(unknown_.map((a) => a.ms)))).toBeLessThan(150)

    await waitForMail(known.email, 5)
    // The worker drops the unknown address's rows (keeping no address) instead of sending them.
    await expect.poll(async () => (await outboxRowsFor(unknown)).length).toBe(0)
    expect(await mailTo(unknown)).toEqual([])
  })

  test('case 51: with the SMTP server down, the request answers at once and the message follows once it is back', async ({ page }) => {
    const user = await createUser({ prefix: 'reset-smtp' })
    try {
      await setMailFault({ mode: 'reject' })
      const before = await mailStats()
      await page.goto('/login/forgot')
      const asked = await askForReset(page, user.email)
      expect(asked.text).toBe(sentText(user.email))
      expect(asked.ms).toBeLessThan(3000)
      // The worker tried and was refused; the message waits in the outbox.
      await expect.poll(async () => (await outboxRowsFor(user.email))[0]?.attempts ?? 0).toBeGreaterThanOrEqual(1)
      expect((await mailStats()).rejected).toBeGreaterThan(before.rejected)
      expect(await outboxRowsFor(user.email)).toMatchObject([{ status: 'pending' }])
      expect(await mailTo(user.email)).toEqual([])
    } finally {
      await setMailFault({ mode: 'ok' })
    }
    await page.goto(await resetLinkFor(user.email))
    await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible()
  })

  test('case 51: PASSWORD_RESETS_PER_ACCOUNT holds the third request for one address; with email off, the pages send people to their administrator', async ({
    page,
  }) => {
    const user = await createUser({ prefix: 'reset-throttle' })
    const port = BRIDGE_PORT + 46
    await withBridge(port, { PASSWORD_RESETS_PER_ACCOUNT: '2' }, async (bridge) => {
      for (let i = 0; i < 2; i += 1) {
        await page.goto(`${bridge.url}/login/forgot`)
        expect((await askForReset(page, user.email)).text).toBe(sentText(user.email))
      }
      await page.goto(`${bridge.url}/login/forgot`)
      expect((await askForReset(page, user.email)).text).toMatch(/^Too many requests\. Try again in about (\d+ minutes|a minute)\.$/)
      await expect(page.getByLabel('Email')).toHaveValue(user.email)
      await waitForMail(user.email, 2)
      // The refused request wrote no row: nothing more will be sent.
      expect(await outboxRowsFor(user.email)).toHaveLength(2)
      expect((await outboxRowsFor(user.email)).every((row) => row.status === 'sent')).toBe(true)
    })

    await withBridge(port, { SMTP_URL: '', MAIL_FROM: '' }, async (bridge) => {
      const request = await createLoginRequest()
      const loginPage = new LoginPage(page)
      await loginPage.open(loginUrlOn(bridge.url, request))
      await expect(page.getByTestId('forgot-password')).toHaveText('Forgot your password? Ask your administrator to reset it.')
      await expect(page.getByRole('link', { name: 'Forgot your password?' })).toHaveCount(0)
      await page.goto(`${bridge.url}/login/forgot`)
      await expect(page.getByTestId('reset-off')).toHaveText(
        'This sign-in service sends no email. Ask your administrator to reset your password.',
      )
      await expect(page.getByRole('button', { name: 'Send the link' })).toHaveCount(0)
    })
  })

  test("case 52: the forgot and reset pages are no-store, keep the login pages' opener policy, and refuse cross-site posts", async ({
    page,
  }) => {
    for (const path of ['/login/forgot', '/login/reset/problem/used', '/login/reset/done']) {
      const response = await page.request.get(path, { maxRedirects: 0 })
      expect(response.headers()['cache-control']).toBe('no-store')
      expect(response.headers()['cross-origin-opener-policy']).toBe('unsafe-none')
      expect(response.headers()['referrer-policy']).toBe('no-referrer')
    }
    const crossSite = await page.request.post('/login/forgot', {
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      form: { email: 'someone@example.test' },
      maxRedirects: 0,
    })
    expect(crossSite.status()).toBe(303)
    expect(crossSite.headers()['location']).toBe(`${APP_URL}/login/problem/cross_site`)
  })
})
