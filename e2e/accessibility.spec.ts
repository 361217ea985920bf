import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Browser, Locator, Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { APP_URL, BRIDGE_PORT, SCALEKIT_URL } from './support/config'
import { createLoginRequest, readLoginRequest, setFault } from './support/stand-in-api'
import { createUser, type TestUser } from './support/users'
import { giveFactors, signInAsAdmin, userRow } from './support/admin'
import { Authenticator, enrolAuthenticator, shownRecoveryCodes, signInAtAccount } from './support/factors'
import { seedOldLoginRequest } from './support/ledger'
import { withBridge } from './support/bridge'
import { resetLinkFor } from './support/reset'
import { partnerCallback } from './support/flows'
import {
  credentialsForm,
  expectLanguage,
  expectNoViolations,
  expectNoViolationsIn,
  horizontalOverflow,
  hydrated,
  loginPageHydrated,
} from './support/accessibility'
import { LoginPage } from './pages/login-page'
import { linkIn, waitForMail } from './support/mail'
import { LOCALES } from '../lib/i18n/locales'

// Every page a person or an administrator sees, checked by axe-core against the WCAG 2.2 A and AA
// rules in light and in dark: the login and problem pages in every language, the others in English
// and German. Pages whose words are not translated yet still carry their language in <html lang>.
// Locators here go by field names and test ids, not words, so they hold once the pages are translated.

// Each case runs axe several times (every state in light and in dark), which takes a while on a
// loaded machine; the waits inside are all on conditions.
test.describe.configure({ timeout: 150_000 })

/** An email no account has. */
const nobody = () => `nobody-${randomBytes(4).toString('hex')}@example.test`

/** English and one other language, for the pages beyond the login and problem pages. */
const TWO_LOCALES = ['en', 'de'] as const

const hydratedAccount = async (page: Page) => {
  // "Add a passkey" is enabled once the page has run its client code and found WebAuthn.
  await expect(page.locator('#passkeys form button[type="submit"]').last()).toBeEnabled()
}

for (const locale of LOCALES) {
  test.describe(`the login and problem pages in ${locale}`, () => {
    // The browser asks for the language in Accept-Language.
    test.use({ locale })

    test(`the login page, fresh and after a failed sign-in (${locale})`, async ({ page }) => {
      const request = await createLoginRequest()
      await page.goto(request.loginUrl)
      await expectLanguage(page, locale)
      await loginPageHydrated(page)
      await expectNoViolations(page, `the login page in ${locale}`)

      await failOnce(page)
      await expectNoViolations(page, `the login page after a failed sign-in in ${locale}`)
    })

    test(`the problem pages (${locale})`, async ({ page }) => {
      await page.goto('/login/problem/expired')
      await expectLanguage(page, locale)
      await expect(page.getByTestId('problem-code')).toHaveText('expired')
      await expectNoViolations(page, `/login/problem/expired in ${locale}`)

      // A problem that can be retried, with its "Try again" link back to the login request.
      const request = await createLoginRequest()
      const query = new URLSearchParams({ login_request_id: request.loginRequestId, state: request.state })
      await page.goto(`/login/problem/scalekit_unavailable?${query}`)
      await expect(page.getByTestId('problem-code')).toHaveText('scalekit_unavailable')
      await expect(page.locator('main a[href^="/login?"]')).toBeVisible()
      await expectNoViolations(page, `/login/problem/scalekit_unavailable in ${locale}`)
    })
  })
}

/** A refused sign-in with an address of no account (the refusal reads the same, and no account's failures add up). */
async function failOnce(page: Page) {
  const form = credentialsForm(page)
  await form.email.fill(nobody())
  await form.password.fill('not-the-password')
  await form.submit.click()
  await expect(form.message).not.toBeEmpty()
  await loginPageHydrated(page)
  return form
}

test.describe('the pages of a signed-in person', () => {
  test('"Continue as" and /account, without and with factors', async ({ page, loginPage }) => {
    const person = await createUser({ prefix: 'a11y-person' })
    await loginPage.signInThrough(await createLoginRequest(), person)
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    await expect(loginPage.continueAs(person.name)).toBeVisible()
    await expectNoViolationsIn(page, '"Continue as"', TWO_LOCALES, hydrated)

    await page.goto('/account')
    await expectNoViolationsIn(page, '/account', TWO_LOCALES, hydratedAccount)
    await giveFactors(person.email)
    await page.goto('/account')
    await expect(page.getByTestId('passkey')).toHaveCount(1)
    await expectNoViolationsIn(page, '/account with a passkey and an authenticator', TWO_LOCALES, hydratedAccount)
  })

  test('setting up an authenticator on /account, its recovery codes, and the code step of a login', async ({ page, browser }) => {
    const person = await createUser({ prefix: 'a11y-totp' })
    await signInAtAccount(page, APP_URL, person)
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
    await expect(page.getByTestId('totp-key')).toBeVisible()
    await expectNoViolationsIn(page, 'the authenticator setup on /account', TWO_LOCALES, hydratedAccount)
    await submitCode(page, '000000')
    await expect(page.getByTestId('form-message')).not.toBeEmpty()
    await expectNoViolations(page, 'the authenticator setup after a wrong code')

    const app = new Authenticator(await page.getByTestId('totp-key').innerText())
    await submitCode(page, app.code())
    await shownRecoveryCodes(page)
    await expectNoViolations(page, 'the recovery codes shown after the setup')
    await page.goto('/account')
    await expectNoViolationsIn(page, '/account with the authenticator on', TWO_LOCALES, hydratedAccount)

    // A login in another browser: the password, then the code.
    const context = await browser.newContext()
    const other = await context.newPage()
    const request = await createLoginRequest()
    await other.goto(request.loginUrl)
    const form = credentialsForm(other)
    await form.email.fill(person.email)
    await form.password.fill(person.password)
    await form.submit.click()
    await expect(other).toHaveURL(/\/login\/verify\?/)
    await expectNoViolationsIn(other, '/login/verify', TWO_LOCALES)
    await submitCode(other, '000000')
    await expect(other.getByTestId('form-message')).not.toBeEmpty()
    await expectNoViolations(other, '/login/verify after a wrong code')
    await context.close()
  })

  test('the enrolment a login asks for when a second factor is required', async ({ browser }) => {
    await withBridge(BRIDGE_PORT + 43, { LOCAL_MFA: 'required' }, async (bridge) => {
      const person = await createUser({ prefix: 'a11y-enrol' })
      const context = await browser.newContext()
      const page = await context.newPage()
      const request = await createLoginRequest()
      await page.goto(request.loginUrl.replace(APP_URL, bridge.url))
      const form = credentialsForm(page)
      await form.email.fill(person.email)
      await form.password.fill(person.password)
      await form.submit.click()
      await expect(page).toHaveURL(/\/login\/enrol\?/)
      await expectNoViolationsIn(page, '/login/enrol', TWO_LOCALES, async (p) => expect(p.getByTestId('totp-key')).toBeVisible())
      await context.close()
    })
  })

  test('the code step of an administrator with an authenticator (/account/verify)', async ({ page }) => {
    const admin = await createUser({ prefix: 'a11y-totp-admin', admin: true })
    await signInAtAccount(page, APP_URL, admin)
    await enrolAuthenticator(page, APP_URL)
    await page.context().clearCookies()
    await page.goto('/admin/sign-in')
    const form = credentialsForm(page)
    await form.email.fill(admin.email)
    await form.password.fill(admin.password)
    await form.submit.click()
    await expect(page).toHaveURL(`${APP_URL}/account/verify`)
    await expectNoViolationsIn(page, '/account/verify', TWO_LOCALES)
  })
})

/** Enters a code in a code form (its field is #code) and waits for the answer. */
async function submitCode(page: Page, code: string) {
  await page.locator('#code').fill(code)
  const answered = page.waitForResponse((response) => response.request().method() === 'POST')
  await page
    .locator('form')
    .filter({ has: page.locator('#code') })
    .locator('button[type="submit"]')
    .click()
  await answered
}

/**
 * Logins of every kind the list shows (completed, cancelled, failed, pending, expired), a user
 * with factors and an invitation: returns a completed login's id and the invited user's id.
 */
async function adminScene(browser: Browser): Promise<{ loginRequestId: string; invitedUserId: string; person: TestUser }> {
  const person = await createUser({ prefix: 'a11y-listed', groups: ['finance'], roles: ['viewer'] })
  const context = await browser.newContext()
  const loginPage = new LoginPage(await context.newPage())
  const completed = await createLoginRequest()
  await loginPage.signInThrough(completed, person)
  const cancelled = await createLoginRequest()
  await loginPage.open(cancelled.loginUrl)
  await loginPage.cancelButton.click()
  await expect(loginPage.page.getByText(`login request ${cancelled.loginRequestId} failed`)).toBeVisible()
  const failed = await createLoginRequest()
  await loginPage.open(failed.loginUrl)
  await setFault('invalid_argument')
  await loginPage.continueAs(person.name).click()
  await loginPage.expectProblem('scalekit_rejected_user')
  await setFault('none')
  await loginPage.open((await createLoginRequest()).loginUrl)
  await seedOldLoginRequest(`lri_a11y_expired_${Date.now()}`, 60 * 60 * 1000)
  await giveFactors(person.email)
  await context.close()

  const invited = `a11y-invited-${Date.now().toString(36)}@example.test`
  return { loginRequestId: completed.loginRequestId, invitedUserId: await inviteUser(browser, invited), person }
}

/** An administrator adds a person by invitation; returns the new user's id. */
async function inviteUser(browser: Browser, email: string): Promise<string> {
  const admin = await createUser({ admin: true, prefix: 'a11y-inviter' })
  const context = await browser.newContext()
  const page = await context.newPage()
  await signInAsAdmin(page, admin)
  await page.goto('/admin/users/new')
  await page.locator('#invite-email').fill(email)
  await page.locator('#invite-name').fill('Ivy Invited')
  await page.getByLabel('Send the invitation link by email').uncheck()
  await page.locator('form button[type="submit"]').last().click()
  await expect(page.getByTestId('invite-outcome').locator('input')).toHaveValue(/\/invite\//)
  await context.close()
  return (await userRow(email)).id
}

test.describe('the frame with a brand', () => {
  test('logo, name, help, privacy and terms links and a primary colour, in light and dark and at 320 px', async ({ browser }) => {
    const logo = path.resolve('.data/a11y-logo.svg')
    fs.mkdirSync(path.dirname(logo), { recursive: true })
    fs.writeFileSync(
      logo,
      '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#0f766e"/></svg>',
    )
    const brand = {
      BRAND_NAME: 'Acme Corporation International',
      BRAND_LOGO: logo,
      BRAND_PRIMARY_COLOR: '#0f766e',
      BRAND_SUPPORT_URL: 'https://help.example.com/sign-in',
      BRAND_PRIVACY_URL: 'https://example.com/privacy',
      BRAND_TERMS_URL: 'https://example.com/terms',
    }
    await withBridge(BRIDGE_PORT + 44, brand, async (bridge) => {
      const context = await browser.newContext()
      const page = await context.newPage()
      const request = await createLoginRequest()
      await page.goto(request.loginUrl.replace(APP_URL, bridge.url))
      await expect(page.getByTestId('brand')).toContainText(brand.BRAND_NAME)
      await expect(page.getByTestId('brand-terms')).toBeVisible()
      await loginPageHydrated(page)
      await expectNoViolations(page, 'the login page with a brand')
      await page.setViewportSize({ width: 320, height: 640 })
      await expectNoSidewaysScroll(page, 'the login page with a brand at 320 px')
      for (const id of ['brand', 'brand-support', 'brand-privacy', 'brand-terms', 'language-menu']) {
        await expectWithinWidth(page, page.getByTestId(id), id)
      }
      await page.goto(`${bridge.url}/login/problem/expired`)
      await expectNoViolations(page, 'a problem page with a brand at 320 px')
      await expectNoSidewaysScroll(page, 'a problem page with a brand at 320 px')
      await context.close()
    })
  })
})

test.describe('the invitation and the admin area', () => {
  test('the invitation page and its problem page', async ({ page, browser }) => {
    const admin = await createUser({ admin: true, prefix: 'a11y-inv-admin' })
    await signInAsAdmin(page, admin)
    await page.goto('/admin/users/new')
    await expectNoViolationsIn(page, '/admin/users/new', TWO_LOCALES)
    const email = `a11y-inv-${Date.now().toString(36)}@example.test`
    await page.locator('#invite-email').fill(email)
    await page.getByLabel('Send the invitation link by email').uncheck()
    await page.locator('form button[type="submit"]').last().click()
    const link = await page.getByTestId('invite-outcome').locator('input').inputValue()
    expect(link).toMatch(/\/invite\//)
    await expectNoViolations(page, '/admin/users/new with the invitation link')

    const theirs = await browser.newContext()
    const invited = await theirs.newPage()
    await invited.goto(link)
    await expect(invited.getByTestId('invited-email')).toHaveText(email)
    await expectNoViolationsIn(invited, 'the invitation page', TWO_LOCALES)
    await invited.locator('#password').fill('a long password')
    await invited.locator('#confirmation').fill('another password')
    await invited.locator('form button[type="submit"]').click()
    await expect(invited.getByTestId('form-message')).not.toBeEmpty()
    await expectNoViolations(invited, 'the invitation page after a refused password')
    await invited.goto('/invite/problem/used')
    await expectNoViolationsIn(invited, '/invite/problem/used', TWO_LOCALES)
    await theirs.close()
  })

  test('forgot password: the request page, its answers, the reset page and its problem and done pages', async ({ page }) => {
    const person = await createUser({ prefix: 'a11y-reset' })
    await page.goto('/login/forgot')
    await expectNoViolationsIn(page, '/login/forgot', TWO_LOCALES)
    await page.locator('#email').fill('not-an-address')
    await page.locator('form button[type="submit"]').click()
    await expect(page.getByTestId('form-message')).not.toBeEmpty()
    await expectNoViolations(page, '/login/forgot after a malformed address')
    await page.locator('#email').fill(person.email)
    await page.locator('form button[type="submit"]').click()
    await expect(page.getByTestId('reset-sent')).toBeVisible()
    await expectNoViolations(page, '/login/forgot after the request')

    await page.goto(await resetLinkFor(person.email))
    await expectNoViolationsIn(page, 'the reset page', TWO_LOCALES)
    await page.locator('#password').fill('a long password')
    await page.locator('#confirmation').fill('another password')
    await page.locator('form button[type="submit"]').click()
    await expect(page.getByTestId('form-message')).not.toBeEmpty()
    await expectNoViolations(page, 'the reset page after a mismatch')
    await page.goto('/login/reset/problem/expired')
    await expectNoViolationsIn(page, '/login/reset/problem/expired', TWO_LOCALES)
    await page.goto('/login/reset/done')
    await expectNoViolationsIn(page, '/login/reset/done', TWO_LOCALES)
  })

  test('the address verification page, /account with its address, and the pages of a link from a message that no longer works', async ({
    page,
  }) => {
    const person = await createUser({ prefix: 'a11y-verify' })
    await signInAtAccount(page, APP_URL, person)
    await expectNoViolationsIn(page, '/account with an unverified address', TWO_LOCALES)
    const link = linkIn(await waitForMail(person.email), `${APP_URL}/verify-email/`)
    await page.goto(link)
    await expectNoViolationsIn(page, 'the verification page', TWO_LOCALES)
    await page.getByRole('button', { name: `${person.email} bestätigen` }).click()
    await expect(page.getByTestId('link-done')).toBeVisible()
    await expectNoViolations(page, 'the verification page once verified')
    for (const path of ['/verify-email/problem/used', '/report-sign-in/problem/expired', '/report-sign-in/problem/unknown']) {
      await page.goto(path)
      await expectNoViolationsIn(page, path, TWO_LOCALES)
    }
  })

  test('the admin sign-in, fresh and after a failed attempt', async ({ page }) => {
    for (const locale of TWO_LOCALES) {
      await page.goto(`/admin/sign-in?lang=${locale}`)
      await expectLanguage(page, locale)
      await expectNoViolations(page, `/admin/sign-in in ${locale}`)
      // An address of no account: the refusal reads the same, and no account's failures add up.
      const form = credentialsForm(page)
      await form.email.fill(nobody())
      await form.password.fill('not-the-password')
      await form.submit.click()
      await expect(form.message).not.toBeEmpty()
      await expectNoViolations(page, `/admin/sign-in after a failed attempt in ${locale}`)
    }
    // Where a sign-in at the admin area can end instead, and an address with nothing at it.
    await page.goto('/admin/problem/idp_error')
    await expect(page.getByTestId('problem-code')).toHaveText('idp_error')
    await expectNoViolationsIn(page, '/admin/problem/idp_error', TWO_LOCALES)
    await page.goto('/no-such-page')
    await expectNoViolationsIn(page, 'the not-found page', TWO_LOCALES)
  })

  test('the page a signed-in person who is not an administrator gets at /admin', async ({ page, user }) => {
    await page.goto('/admin/sign-in')
    const form = credentialsForm(page)
    await form.email.fill(user.email)
    await form.password.fill(user.password)
    await form.submit.click()
    await expect(page.getByTestId('forbidden')).toBeVisible()
    await expectNoViolationsIn(page, 'the forbidden page', TWO_LOCALES, async (p) => expect(p.getByTestId('forbidden')).toBeVisible())
  })

  for (const locale of TWO_LOCALES) {
    test(`the admin pages (${locale})`, async ({ page, browser }) => {
      const { loginRequestId, invitedUserId, person } = await adminScene(browser)
      const admin = await createUser({ admin: true, prefix: 'a11y-admin' })
      await signInAsAdmin(page, admin)
      const personId = (await userRow(person.email)).id
      const pages = [
        '/admin',
        `/admin?q=${encodeURIComponent(person.email)}`,
        '/admin/users',
        `/admin/users/${personId}`,
        `/admin/users/${invitedUserId}`,
        '/admin/audit',
        '/admin/stream',
        `/admin/logins/${encodeURIComponent(loginRequestId)}`,
      ]
      for (const path of pages) {
        await page.goto(path)
        await expect(page.getByTestId('admin-email')).toHaveText(admin.email)
        await expectNoViolationsIn(page, path, [locale])
      }
    })
  }
})

// Reflow (WCAG 1.4.10): 320 CSS px wide, and 640×360 CSS px, which is 1280×720 at 200 % zoom.
const NARROW = [
  { size: '320 px wide', viewport: { width: 320, height: 640 } },
  { size: '200 % zoom', viewport: { width: 640, height: 360 } },
]

/** Visible, and across the viewport's width without being cut at either side. */
async function expectWithinWidth(page: Page, locator: Locator, what: string) {
  await expect(locator, what).toBeVisible()
  const box = await locator.boundingBox()
  expect(box, what).not.toBeNull()
  expect(box!.x, `${what} starts inside the viewport`).toBeGreaterThanOrEqual(0)
  expect(box!.x + box!.width, `${what} ends inside the viewport`).toBeLessThanOrEqual(page.viewportSize()!.width)
}

async function expectNoSidewaysScroll(page: Page, where: string) {
  await expect.poll(() => horizontalOverflow(page), `${where} scrolls sideways by this many px`).toBeLessThanOrEqual(0)
}

for (const { size, viewport } of NARROW) {
  test.describe(`the login page at ${size}`, () => {
    test.use({ viewport })

    test(`fits, its error too, and Cancel works (${size})`, async ({ page }) => {
      const request = await createLoginRequest()
      await page.goto(request.loginUrl)
      await loginPageHydrated(page)
      await expectNoSidewaysScroll(page, 'the login page')
      const form = await failOnce(page)
      await expectNoSidewaysScroll(page, 'the login page after a failed sign-in')
      await expectWithinWidth(page, form.email, 'the email field')
      await expectWithinWidth(page, form.password, 'the password field')
      await expectWithinWidth(page, form.submit, 'the sign-in button')
      await expectWithinWidth(page, form.message, 'the message')
      await expectWithinWidth(page, page.getByRole('button', { name: 'Sign in with a passkey' }), 'the passkey button')
      await expectWithinWidth(page, page.getByTestId('language-menu'), 'the language menu')
      const cancel = page.getByRole('button', { name: 'Cancel' })
      await expectWithinWidth(page, cancel, 'Cancel')
      await expectNoViolations(page, `the login page at ${size}`)

      await cancel.click()
      await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} failed`)).toBeVisible()
      expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ loginFailed: true })
    })

    test(`the language menu opens, fits and switches the language (${size})`, async ({ page }) => {
      const request = await createLoginRequest()
      await page.goto(request.loginUrl)
      await loginPageHydrated(page)
      await page.getByTestId('language-menu').click()
      for (const locale of LOCALES) await expectWithinWidth(page, page.locator(`nav a[hreflang="${locale}"]`), `the menu's ${locale} link`)
      await expectNoSidewaysScroll(page, 'the login page with the language menu open')
      await page.locator('nav a[hreflang="pt-BR"]').click()
      await expectLanguage(page, 'pt-BR')
      await loginPageHydrated(page)
      await expectNoSidewaysScroll(page, 'the login page in pt-BR')
      await expectWithinWidth(page, credentialsForm(page).submit, 'the sign-in button in pt-BR')
    })

    test(`a problem page and "Continue as" fit (${size})`, async ({ page, loginPage }) => {
      await page.goto('/login/problem/expired')
      await expectNoSidewaysScroll(page, '/login/problem/expired')
      // A long address and name, which must wrap rather than push the page sideways.
      const person = await createUser({ prefix: 'a11y-narrow-with-a-rather-long-address', name: 'Maximiliane Wolkenstein-Übersee' })
      await loginPage.signInThrough(await createLoginRequest(), person)
      await loginPage.open((await createLoginRequest()).loginUrl)
      await expectWithinWidth(page, loginPage.continueAs(person.name), '"Continue as"')
      await expectWithinWidth(page, loginPage.useAnotherAccount, '"Use another account"')
      await expectNoSidewaysScroll(page, '"Continue as"')
    })
  })
}

test.describe('at 320 px wide', () => {
  test.use({ viewport: { width: 320, height: 640 } })

  test('a login completes', async ({ page, loginPage }) => {
    const person = await createUser({ prefix: 'a11y-320' })
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    const callback = page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
    await loginPage.signIn(person.email, person.password)
    expect((await callback).url()).toBe(partnerCallback(request.state))
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
    expect((await readLoginRequest(request.loginRequestId))?.user).toMatchObject({ email: person.email })
  })
})

test.describe('the admin area at 320 px and at 200 % zoom', () => {
  test('no page scrolls sideways (a wide table scrolls inside its own frame) and axe finds nothing at 320 px', async ({
    page,
    loginPage,
  }) => {
    const person = await createUser({ prefix: 'a11y-narrow-admin-with-a-rather-long-address' })
    const request = await createLoginRequest()
    await loginPage.signInThrough(request, person)
    await page.context().clearCookies()
    const admin = await createUser({ admin: true, prefix: 'a11y-narrow-admin' })
    await signInAsAdmin(page, admin)
    const personId = (await userRow(person.email)).id
    const pages = [
      '/admin',
      '/admin/users',
      `/admin/users/${personId}`,
      '/admin/users/new',
      '/admin/audit',
      '/admin/stream',
      `/admin/logins/${encodeURIComponent(request.loginRequestId)}`,
    ]
    for (const { size, viewport } of NARROW) {
      await page.setViewportSize(viewport)
      for (const path of pages) {
        await page.goto(path)
        await expect(page.getByTestId('admin-email')).toHaveText(admin.email)
        await expectNoSidewaysScroll(page, `${path} at ${size}`)
        await expectWithinWidth(
          page,
          page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }),
          `Sign out on ${path} at ${size}`,
        )
        if (viewport.width === 320) await expectNoViolations(page, `${path} at ${size}`)
      }
    }
  })
})
