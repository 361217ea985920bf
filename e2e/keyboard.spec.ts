import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { SCALEKIT_URL } from './support/config'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'
import { createUser, type TestUser } from './support/users'
import { partnerCallback } from './support/flows'
import { Authenticator, shownRecoveryCodes } from './support/factors'
import { addVirtualAuthenticator, passkeyRows, withoutPasskeyAutofill } from './support/passkeys'
import { loginPageHydrated } from './support/accessibility'
import { control, expectFocusOn, field, focused, tabTo, typeCredentials } from './support/keyboard'

// The whole login with the keyboard alone: Tab, Shift+Tab, Enter, Space and typing; no clicks and
// no filled fields. At every stop the focused element must show its focus (an outline or a ring).
// Scalekit's stand-in tells what the bridge sent: a completed login, or loginFailed after Cancel.

const INCORRECT = 'The email or password is incorrect.'

/** Opens a fresh login request's page and waits for its client code (the passkey button comes with it). */
async function openLogin(page: Page) {
  const request = await createLoginRequest()
  await page.goto(request.loginUrl)
  await loginPageHydrated(page)
  return request
}

/** A wrong password, sent with Enter on the Sign in button; waits for the refusal. */
async function failOnce(page: Page, user: TestUser) {
  await typeCredentials(page, user.email, 'not-the-password')
  await tabTo(page, control('Sign in'), { max: 1 })
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('form-message')).toHaveText(INCORRECT)
}

async function expectCompleted(page: Page, request: { loginRequestId: string }, email: string) {
  await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
  expect((await readLoginRequest(request.loginRequestId))?.user).toMatchObject({ email })
}

/** Signs in at /account with the keyboard (the session the other cases start from). */
async function signInAtAccountByKeyboard(page: Page, user: TestUser) {
  await page.goto('/account')
  await typeCredentials(page, user.email, user.password)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('account-email')).toContainText(user.email)
}

test.describe('the login with the keyboard alone', () => {
  test('a failed attempt is announced, focus returns to the password, and the login then completes', async ({ page }) => {
    const user = await createUser({ prefix: 'keys' })
    const request = await openLogin(page)
    await failOnce(page, user)
    // The message is a live region, so a screen reader reads it out when it appears.
    await expect(page.getByTestId('form-message')).toHaveAttribute('aria-live', /^(polite|assertive)$/)
    // The typed email is kept and typing resumes in the password field.
    await expect(page.locator('input[name="email"]')).toHaveValue(user.email)
    await expectFocusOn(page, field('password'))
    await page.keyboard.type(user.password)
    const callback = page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
    await tabTo(page, control('Sign in'), { max: 1 })
    await page.keyboard.press('Space')
    expect((await callback).url()).toBe(partnerCallback(request.state))
    await expectCompleted(page, request, user.email)
  })

  // Waits for aria-describedby on the email and password inputs, naming the id of the form's
  // message (data-testid="form-message"), in app/email-password-fields.tsx.
  test('the error of a failed attempt is tied to the email and password fields', async ({ page }) => {
    const user = await createUser({ prefix: 'keys-described' })
    await openLogin(page)
    await failOnce(page, user)
    const message = page.getByTestId('form-message')
    await expect(message).toHaveAttribute('aria-live', /^(polite|assertive)$/)
    const id = await message.getAttribute('id')
    expect(id, 'the message has an id the fields can name').toBeTruthy()
    for (const name of ['email', 'password']) {
      const describedBy = (await page.locator(`input[name="${name}"]`).getAttribute('aria-describedby')) ?? ''
      expect(describedBy.split(/\s+/), `aria-describedby of the ${name} field`).toContain(id)
    }
    await expect(page.locator('input[name="password"]')).toHaveAccessibleDescription(INCORRECT)
  })

  test('Cancel, reached with Shift+Tab from the language menu and pressed with Space, tells Scalekit', async ({ page }) => {
    const request = await openLogin(page)
    await tabTo(page, (element) => element.tag === 'summary')
    const callback = page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
    await tabTo(page, control('Cancel'), { backwards: true, max: 1 })
    await page.keyboard.press('Space')
    expect((await callback).url()).toBe(partnerCallback(request.state))
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} failed`)).toBeVisible()
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ loginFailed: true, userDetailsCalls: 1 })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'cancelled' })
  })

  test('"Use another account" from "Continue as", then a login as the other person', async ({ page }) => {
    const first = await createUser({ prefix: 'keys-first' })
    const second = await createUser({ prefix: 'keys-second' })
    const earlier = await openLogin(page)
    await typeCredentials(page, first.email, first.password)
    await page.keyboard.press('Enter')
    await expectCompleted(page, earlier, first.email)

    const request = await createLoginRequest()
    await page.goto(request.loginUrl)
    await expect(page.getByRole('button', { name: `Continue as ${first.name}` })).toBeVisible()
    // "Continue as" comes first; it arms a moment after the page shows (app/login/armed-button.tsx)
    // and Tab skips it while it is disabled, so the way to "Use another account" may or may not stop on it.
    await tabTo(page, control('Use another account'), { max: 2 })
    await page.keyboard.press('Enter')
    await loginPageHydrated(page)
    await expect(page.locator('input[name="email"]')).toBeVisible()
    await typeCredentials(page, second.email, second.password)
    await page.keyboard.press('Enter')
    await expectCompleted(page, request, second.email)
  })

  test('the language menu opens with Enter and its links are reached with Tab', async ({ page }) => {
    await openLogin(page)
    await tabTo(page, (element) => element.tag === 'summary')
    await page.keyboard.press('Enter')
    await tabTo(page, control('Deutsch'), { max: 6 })
    await page.keyboard.press('Enter')
    await expect(page.locator('html')).toHaveAttribute('lang', 'de')
    await loginPageHydrated(page)
  })
})

test.describe('second factors with the keyboard alone', () => {
  test('an authenticator set up on /account, then a login with its code', async ({ page, browser }) => {
    const user = await createUser({ prefix: 'keys-totp' })
    await signInAtAccountByKeyboard(page, user)
    await tabTo(page, control('Set up an authenticator app'))
    await page.keyboard.press('Enter')
    const app = new Authenticator(await page.getByTestId('totp-key').innerText())
    await tabTo(page, field('code'))
    await page.keyboard.type(app.code())
    await page.keyboard.press('Enter')
    await shownRecoveryCodes(page)

    const context = await browser.newContext()
    const other = await context.newPage()
    const request = await openLogin(other)
    await typeCredentials(other, user.email, user.password)
    await other.keyboard.press('Enter')
    await expect(other).toHaveURL(/\/login\/verify\?/)
    await tabTo(other, field('code'))
    // The step after the one the setup used (the bridge accepts one step either side).
    await other.keyboard.type(app.code(1))
    await tabTo(other, control('Verify'), { max: 1 })
    await other.keyboard.press('Enter')
    await expectCompleted(other, request, user.email)
    await context.close()
  })

  test('a passkey added on /account, then a login with it', async ({ page, context }) => {
    await withoutPasskeyAutofill(context)
    const user = await createUser({ prefix: 'keys-passkey' })
    await addVirtualAuthenticator(page)
    await signInAtAccountByKeyboard(page, user)
    await tabTo(page, field('name'))
    expect((await focused(page))?.tag).toBe('input')
    await page.keyboard.type('Keyboard laptop')
    await tabTo(page, control('Add a passkey'), { max: 1 })
    await page.keyboard.press('Enter')
    await expect(page.getByTestId('passkey-name')).toHaveText(['Keyboard laptop'])
    expect(await passkeyRows(user.email)).toHaveLength(1)
    await tabTo(page, control('Sign out'))
    await page.keyboard.press('Enter')
    await expect(page.locator('input[name="password"]')).toBeVisible()

    const request = await openLogin(page)
    await tabTo(page, control('Sign in with a passkey'))
    await page.keyboard.press('Enter')
    await expectCompleted(page, request, user.email)
  })
})
