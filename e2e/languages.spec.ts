import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { LOCALES, englishSentencesNotIn, message, type Locale } from './support/messages'
import { LOCALE_NAMES } from '../lib/i18n/locales'

// The pages speak the person's language: ui_locales (from Scalekit), then the language menu's
// choice, then Accept-Language, then DEFAULT_LOCALE (e2e/brand.spec.ts). Fields are found by id
// here, as their labels change with the language.

async function signIn(page: Page, email: string, password: string) {
  await page.locator('#email').fill(email)
  await page.locator('#password').fill(password)
  await page.locator('form:has(#password) button[type="submit"]').click()
}

async function expectSpeaks(page: Page, locale: Locale, heading: string, namespaces: string[]) {
  await expect(page.locator('html')).toHaveAttribute('lang', locale)
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading)
  const text = await page.locator('body').innerText()
  const english = englishSentencesNotIn(locale, namespaces).filter((sentence) => text.includes(sentence))
  expect(english, `English left on a ${locale} page`).toEqual([])
}

test.describe('languages', () => {
  for (const locale of LOCALES) {
    test(`${locale}: the login page and a problem page are in it, and the choice is kept`, async ({ page }) => {
      const request = await createLoginRequest()
      const response = await page.goto(`${request.loginUrl}&lang=${locale}`)
      expect(response?.status()).toBe(200)
      await expectSpeaks(page, locale, message(locale, 'login.heading'), ['login', 'common'])
      await expect(page.getByTestId('language-menu')).toHaveText(
        message(locale, 'common.language.current').replace('{language}', LOCALE_NAMES[locale]),
      )

      // The problem page that follows has no `lang`: the bridge_locale cookie carries the choice.
      const problem = await page.goto('/login/problem/expired')
      expect(problem?.status()).toBe(410)
      await expectSpeaks(page, locale, message(locale, 'problems.expired.title'), ['problems', 'common'])
    })
  }

  test('Accept-Language picks the language; a language the bridge lacks falls through to the next', async ({ browser }) => {
    // Chromium sends its locale as Accept-Language: pt-PT finds pt-BR.
    const context = await browser.newContext({ locale: 'pt-PT' })
    const page = await context.newPage()
    await page.goto((await createLoginRequest()).loginUrl)
    await expectSpeaks(page, 'pt-BR', message('pt-BR', 'login.heading'), ['login'])
    // Nothing was asked for explicitly: nothing is remembered.
    expect((await context.cookies()).some((cookie) => cookie.name === 'bridge_locale')).toBe(false)
    await context.close()

    // A list: Chinese is skipped (no messages), Japanese is next.
    const response = await fetch((await createLoginRequest()).loginUrl, {
      headers: { 'accept-language': 'zh-CN,zh;q=0.9,ja;q=0.8,en;q=0.5' },
    })
    expect(response.status).toBe(200)
    expect(/<html lang="([^"]+)"/.exec(await response.text())?.[1]).toBe('ja')
  })

  test('ui_locales from Scalekit wins over Accept-Language, and the login completes in it', async ({ browser, user }) => {
    const context = await browser.newContext({ locale: 'de-DE' })
    const page = await context.newPage()
    const request = await createLoginRequest()
    await page.goto(`${request.loginUrl}&ui_locales=${encodeURIComponent('xx ja-JP fr')}`)
    await expectSpeaks(page, 'ja', message('ja', 'login.heading'), ['login'])
    await signIn(page, user.email, user.password)
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(1)
    await context.close()
  })

  test('the language menu switches the page and keeps the login request', async ({ page, user }) => {
    const request = await createLoginRequest()
    await page.goto(request.loginUrl)
    await expect(page.locator('html')).toHaveAttribute('lang', 'en')
    await page.getByTestId('language-menu').click()
    await page.getByRole('link', { name: 'Français' }).click()
    await expectSpeaks(page, 'fr', message('fr', 'login.heading'), ['login', 'common'])
    const url = new URL(page.url())
    expect(Object.fromEntries(url.searchParams)).toEqual({ login_request_id: request.loginRequestId, state: request.state, lang: 'fr' })
    await signIn(page, user.email, user.password)
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
  })

  test('without JavaScript, the menu works and the sign-in completes in the chosen language', async ({ browser, user }) => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    const request = await createLoginRequest()
    await page.goto(request.loginUrl)
    await page.getByTestId('language-menu').click()
    await page.getByRole('link', { name: 'Deutsch' }).click()
    await expectSpeaks(page, 'de', message('de', 'login.heading'), ['login', 'common'])
    await signIn(page, user.email, user.password)
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
    await context.close()
  })
})
