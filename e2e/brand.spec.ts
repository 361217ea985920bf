import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { test, expect } from './fixtures'
import { BRIDGE_PORT, APP_URL, bridgeEnv } from './support/config'
import { runBridgeExpectingExit, startBridge, type RunningBridge } from './support/bridge'
import { createLoginRequest } from './support/stand-in-api'

// The company's brand (BRAND_*), DEFAULT_LOCALE and MESSAGES_DIR on a bridge of their own; the
// suite's main bridge has none of them and keeps the neutral look.

const BRAND_PORT = BRIDGE_PORT + 40
const URL_LOGO_PORT = BRIDGE_PORT + 41
const BAD_PORT = BRIDGE_PORT + 42

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#1d4ed8"/></svg>'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brand-'))
const logoFile = path.join(dir, 'logo.png')
const messagesDir = path.join(dir, 'messages')

let bridge: RunningBridge

test.beforeAll(async () => {
  fs.writeFileSync(logoFile, PNG)
  fs.mkdirSync(messagesDir)
  fs.writeFileSync(path.join(messagesDir, 'de.json'), JSON.stringify({ login: { heading: 'Bei Acme anmelden' } }))
  bridge = await startBridge(BRAND_PORT, {
    BRAND_NAME: 'Acme Corp',
    BRAND_LOGO: logoFile,
    BRAND_PRIMARY_COLOR: '#1d4ed8',
    BRAND_SUPPORT_EMAIL: 'help@acme.test',
    BRAND_PRIVACY_URL: 'https://acme.test/privacy',
    BRAND_TERMS_URL: 'https://acme.test/terms',
    DEFAULT_LOCALE: 'de',
    MESSAGES_DIR: messagesDir,
  })
})

test.afterAll(async () => {
  await bridge?.stop()
})

async function openLogin(page: import('@playwright/test').Page, base: string) {
  const request = await createLoginRequest()
  await page.goto(request.loginUrl.replace(APP_URL, base))
  return request
}

test.describe('the brand', () => {
  test('case 50: name, logo, colour and links on the login page, the logo served by the bridge', async ({ page }) => {
    await openLogin(page, bridge.url)
    await expect(page.getByTestId('brand')).toContainText('Acme Corp')
    await expect(page).toHaveTitle(/ · Acme Corp$/)
    const logo = page.getByTestId('brand').locator('img')
    // Decorative: the name beside it says who it is.
    await expect(logo).toHaveAttribute('alt', '')
    const src = (await logo.getAttribute('src'))!
    expect(src).toMatch(/^\/brand\/logo\?v=[\w-]{16}$/)
    // Loaded under the page's CSP (img-src 'self'): the browser decoded it.
    await expect.poll(() => logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1)

    const button = page.locator('form:has(#password) button[type="submit"]')
    expect(await button.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color])).toEqual([
      'rgb(29, 78, 216)',
      'rgb(255, 255, 255)',
    ])
    await expect(page.getByTestId('brand-support')).toHaveAttribute('href', 'mailto:help@acme.test')
    await expect(page.getByTestId('brand-privacy')).toHaveAttribute('href', 'https://acme.test/privacy')
    await expect(page.getByTestId('brand-terms')).toHaveAttribute('href', 'https://acme.test/terms')

    const response = await page.request.get(`${bridge.url}${src}`)
    expect(response.status()).toBe(200)
    expect(response.headers()['content-type']).toBe('image/png')
    expect(response.headers()['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(response.headers()['x-content-type-options']).toBe('nosniff')
    expect(Buffer.from(await response.body()).equals(PNG)).toBe(true)
    const etag = response.headers()['etag']!
    const again = await page.request.get(`${bridge.url}${src}`, { headers: { 'if-none-match': etag } })
    expect(again.status()).toBe(304)
  })

  test('in the dark colour scheme the button keeps the brand colour; the problem page shows the brand too', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' })
    await openLogin(page, bridge.url)
    const button = page.locator('form:has(#password) button[type="submit"]')
    expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(29, 78, 216)')
    expect(await page.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgb(248, 250, 252)')
    await page.goto(`${bridge.url}/login/problem/expired`)
    await expect(page.getByTestId('brand')).toContainText('Acme Corp')
  })

  test('DEFAULT_LOCALE speaks when the browser asks for no language the bridge has; MESSAGES_DIR rewords a message', async ({
    browser,
  }) => {
    // The browser's locale is what Chromium sends as Accept-Language.
    const context = await browser.newContext({ locale: 'zh-CN' })
    const page = await context.newPage()
    await openLogin(page, bridge.url)
    await expect(page.locator('html')).toHaveAttribute('lang', 'de')
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bei Acme anmelden')
    await context.close()
  })

  test('without BRAND_* the pages keep the neutral look and /brand/logo is a 404', async ({ page }) => {
    await openLogin(page, APP_URL)
    await expect(page.getByTestId('brand')).toHaveCount(0)
    await expect(page.getByTestId('brand-support')).toHaveCount(0)
    const button = page.locator('form:has(#password) button[type="submit"]')
    // Tailwind's slate-900, as this browser computes it.
    const slate900 = await page.evaluate(() => {
      const probe = document.createElement('div')
      probe.style.backgroundColor = 'var(--color-slate-900)'
      document.body.append(probe)
      return getComputedStyle(probe).backgroundColor
    })
    expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(slate900)
    expect((await page.request.get(`${APP_URL}/brand/logo`)).status()).toBe(404)
  })

  test('case 50: a logo URL is fetched at start-up and served from the bridge, an SVG under a sandbox', async ({ page }) => {
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(SVG))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as import('node:net').AddressInfo
    const other = await startBridge(URL_LOGO_PORT, { BRAND_LOGO: `http://127.0.0.1:${port}/logo.svg` })
    try {
      // Fetched once: the logo no longer depends on the company's server.
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await openLogin(page, other.url)
      const src = (await page.getByTestId('brand').locator('img').getAttribute('src'))!
      const response = await page.request.get(`${other.url}${src}`)
      expect(response.status()).toBe(200)
      expect(response.headers()['content-type']).toBe('image/svg+xml')
      expect(response.headers()['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox")
      expect(await response.text()).toBe(SVG)
    } finally {
      await other.stop()
    }
  })

  test('a missing logo file, a logo over plain http, a low-contrast colour and an unknown message stop the start, naming the fix', async () => {
    const badMessages = path.join(dir, 'bad-messages')
    fs.mkdirSync(badMessages, { recursive: true })
    fs.writeFileSync(path.join(badMessages, 'fr.json'), JSON.stringify({ login: { haeding: 'Connexion' } }))
    const result = await runBridgeExpectingExit(BAD_PORT, {
      ...bridgeEnv({ APP_URL: `http://localhost:${BAD_PORT}` }),
      BRAND_LOGO: '/nonexistent/brand/logo.png',
      BRAND_PRIMARY_COLOR: '#ffcc00',
      BRAND_PRIVACY_URL: 'http://acme.example.com/privacy',
      MESSAGES_DIR: badMessages,
    })
    expect(result.code).toBe(1)
    expect(result.output).toContain('The bridge is not configured correctly')
    expect(result.output).toContain(
      'BRAND_LOGO: /nonexistent/brand/logo.png does not exist or cannot be read; give the path of a PNG, JPEG, WebP, GIF or SVG file',
    )
    expect(result.output).toMatch(
      /BRAND_PRIMARY_COLOR #ffcc00 has a contrast of 1\.\d\d:1 against white; WCAG AA needs 4\.5:1 for the button's text\. Use a darker shade, such as #[0-9a-f]{6}/,
    )
    expect(result.output).toContain('BRAND_PRIVACY_URL must be an https:// URL (got "http://acme.example.com/privacy")')
    expect(result.output).toContain('MESSAGES_DIR: fr.json: "login.haeding" is not a message of the bridge (see messages/en/)')

    const http = await runBridgeExpectingExit(BAD_PORT, {
      ...bridgeEnv({ APP_URL: `http://localhost:${BAD_PORT}` }),
      BRAND_LOGO: 'http://logo.example.com/logo.png',
    })
    expect(http.code).toBe(1)
    expect(http.output).toContain(
      'BRAND_LOGO must be an https:// URL (or a file path in the deployment); http:// is accepted only for localhost',
    )
  })
})
