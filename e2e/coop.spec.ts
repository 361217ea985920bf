import { test, expect } from './fixtures'
import { APP_URL, DEMO_CLIENT_URL } from './support/config'
import { createLoginRequest } from './support/stand-in-api'

// Case 17: popup-based MCP clients open the login in a window they must keep a handle on.
test.describe('Cross-Origin-Opener-Policy (case 17)', () => {
  type Page = import('@playwright/test').Page

  async function openPopupFrom(page: Page, url: string) {
    // The opener is another origin (127.0.0.1) than the bridge (localhost), like an MCP client's page.
    await page.goto(DEMO_CLIENT_URL)
    const popupPromise = page.waitForEvent('popup')
    await page.evaluate((target) => {
      ;(window as unknown as { loginPopup: Window | null }).loginPopup = window.open(target, 'login', 'popup,width=500,height=700')
    }, url)
    const popup = await popupPromise
    await popup.waitForLoadState('load')
    return popup
  }

  /** What the opener sees: whether its handle on the popup reads as closed. */
  function openerSeesClosed(page: Page) {
    return page.evaluate(() => (window as unknown as { loginPopup: Window }).loginPopup.closed)
  }

  /**
   * Whether the opener's handle read as closed at any moment of `ms`, sampled every 50 ms in the
   * opener itself. Case 17 asks for `popup.closed` to stay false for 3 s, which is an observation
   * over a span of time and not a wait for something to happen, so it keeps its full length.
   */
  function openerSeesClosedWithin(page: Page, ms: number) {
    return page.evaluate(
      (span) =>
        new Promise<boolean>((resolve) => {
          const popup = (window as unknown as { loginPopup: Window }).loginPopup
          const end = Date.now() + span
          const timer = setInterval(() => {
            if (popup.closed || Date.now() >= end) {
              clearInterval(timer)
              resolve(popup.closed)
            }
          }, 50)
        }),
      ms,
    )
  }

  test('the login page keeps its opener for a cross-origin popup', async ({ page }) => {
    const request = await createLoginRequest()
    const popup = await openPopupFrom(page, request.loginUrl)
    const closedWithin3s = openerSeesClosedWithin(page, 3000)
    await expect(popup.getByRole('heading', { name: 'Sign in to continue' })).toBeVisible()
    expect(await closedWithin3s).toBe(false)
    expect(await openerSeesClosed(page)).toBe(false)
    expect(await popup.evaluate(() => window.opener !== null)).toBe(true)
  })

  test('a same-origin COOP route severs the popup (the control)', async ({ page }) => {
    const popup = await openPopupFrom(page, `${APP_URL}/`)
    // A severed handle never reopens, so the control ends as soon as the opener sees it closed.
    await expect.poll(() => openerSeesClosed(page)).toBe(true)
    expect(await popup.evaluate(() => window.opener)).toBeNull()
  })

  test('every login and OAuth response relaxes COOP; other routes isolate', async ({ request }) => {
    const login = await createLoginRequest()
    const relaxed: Array<[string, number]> = [
      [login.loginUrl, 200],
      ['/login', 400],
      ['/login?login_request_id=bad/id&state=x', 400],
      ['/login/', 308],
      ['/login/does-not-exist', 404],
      ['/login/problem/expired', 410],
      ['/login/problem/not-a-code', 404],
      ['/api/auth/session', 200],
      ['/api/auth/providers', 200],
      ['/api/auth/csrf', 200],
    ]
    for (const [path, status] of relaxed) {
      const response = await request.get(path, { maxRedirects: 0 })
      expect(response.status(), path).toBe(status)
      expect(response.headers()['cross-origin-opener-policy'], path).toBe('unsafe-none')
      expect(response.headers()['referrer-policy'], path).toBe('no-referrer')
      expect(response.headers()['x-frame-options'], path).toBe('DENY')
      expect(response.headers()['content-security-policy'], path).toContain("frame-ancestors 'none'")
      expect(response.headers()['x-content-type-options'], path).toBe('nosniff')
      expect(response.headers()['x-powered-by'], path).toBeUndefined()
    }
    expect((await request.get('/login/', { maxRedirects: 0 })).headers()['location']).toBe(`${APP_URL}/login`)

    for (const [path, status] of [
      ['/', 200],
      ['/api/health', 200],
      ['/nothing-here', 404],
      ['/nothing/', 308],
    ] as const) {
      const response = await request.get(path, { maxRedirects: 0 })
      expect(response.status(), path).toBe(status)
      expect(response.headers()['cross-origin-opener-policy'], path).toBe('same-origin')
    }
  })
})
