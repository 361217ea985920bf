import { test, expect } from './fixtures'
import { createLoginRequest } from './support/stand-in-api'
import { message } from './support/messages'

// The brand and the languages add no JavaScript to /login: the page is translated on the server,
// the language menu is a disclosure of links, and no message catalogue or i18n runtime reaches the
// browser. The bytes are printed for docs/benchmarks.md.

test('case 50: the login page loads no i18n runtime and no message catalogue, in any language', async ({ page }) => {
  const scripts = new Map<string, number>()
  const bodies: string[] = []
  page.on('response', async (response) => {
    if (response.request().resourceType() !== 'script') return
    const body = await response.text()
    scripts.set(response.url(), body.length)
    bodies.push(body)
  })
  const request = await createLoginRequest()
  await page.goto(`${request.loginUrl}&lang=de`)
  await expect(page.locator('html')).toHaveAttribute('lang', 'de')
  await page.waitForLoadState('networkidle')

  expect(scripts.size).toBeGreaterThan(0)
  const leaks = ['next-intl', 'use-intl', 'NextIntlClientProvider', message('de', 'login.heading'), message('en', 'login.intro')]
  for (const needle of leaks) expect(bodies.filter((body) => body.includes(needle)).length, needle).toBe(0)
  const total = [...scripts.values()].reduce((sum, size) => sum + size, 0)
  console.log(`client JavaScript on /login: ${scripts.size} scripts, ${total} bytes (uncompressed)`)
})
