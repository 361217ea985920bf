import { test, expect } from './fixtures'
import { APP_URL } from './support/config'
import { LoginPage } from './pages/login-page'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { untilClockPasses } from './support/clock'

// Double-click hijacking: a hostile page asks for a double click and, between the two clicks,
// navigates a popup to /login with its own login request, so the second click would land on
// "Continue as <victim>". A completing click counts only once the page could have been seen.

test.describe('a completing click needs a page the person could see', () => {
  test('case 30: "Continue as" is inactive until the page is visible and focused for a moment, and again after a blur', async ({
    page,
    loginPage,
    user,
  }) => {
    await loginPage.signInThrough(await createLoginRequest(), user)
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    const button = loginPage.continueAs(user.name)
    await expect(button).toBeEnabled()

    await page.evaluate(() => window.dispatchEvent(new Event('blur')))
    await expect(button).toBeDisabled()
    await expect(button).toHaveAttribute('aria-disabled', 'true')
    // Inactive through aria-disabled, so it stays in the tab order for a keyboard.
    expect(await button.evaluate((element: HTMLButtonElement) => element.disabled || element.tabIndex < 0)).toBe(false)
    await page.evaluate(() => window.dispatchEvent(new Event('focus')))
    await expect(button).toBeEnabled()
    await button.click()
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
  })

  test('case 30: without JavaScript, the server refuses a click sooner than a second after the page and asks to click again', async ({
    browser,
    user,
  }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL: APP_URL })
    try {
      const loginPage = new LoginPage(await context.newPage())
      const first = await createLoginRequest()
      await loginPage.open(first.loginUrl)
      await loginPage.signIn(user.email, user.password)
      await expect(loginPage.page.getByText(`login request ${first.loginRequestId} completed`)).toBeVisible()

      const request = await createLoginRequest()
      const servedAt = async () => Number((await loginPage.page.locator('input[name="served"]').first().inputValue()).split('.')[0])
      // A click right after the page: reloaded (a bounded few times) should this machine have been too slow to click within half a second.
      for (let tries = 0; tries < 5; tries += 1) {
        await loginPage.open(request.loginUrl)
        if (Date.now() - (await servedAt()) < 500) break
      }
      await loginPage.continueAs(user.name).click()
      await loginPage.expectProblem('click_again')
      expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)

      // "Try again" returns to the same login request; a click a second after its page counts.
      await loginPage.page.getByRole('link', { name: 'Try again' }).click()
      await untilClockPasses((await servedAt()) + 1000)
      await loginPage.continueAs(user.name).click()
      await expect(loginPage.page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    } finally {
      await context.close()
    }
  })
})
