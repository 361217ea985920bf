import { test, expect } from './fixtures'
import { APP_URL, APP_URL_OTHER_ORIGIN, BRIDGE_PORT } from './support/config'
import { withBridge } from './support/bridge'
import { createLoginRequest } from './support/stand-in-api'
import { createUser } from './support/users'
import { acmeSource } from './support/sources'
import { ACME_CLIENT_SECRET } from './upstreams/options'
import type { APIResponse } from '@playwright/test'

// Cases 11, 14, 15, 16 and 24: what the login pages send and load, and how their cookies are set,
// read off real responses of the running bridge.

test.describe('leakage and headers', () => {
  test('case 11: the login page sends no-referrer and loads nothing from another origin', async ({ page }) => {
    const request = await createLoginRequest()
    const origins = new Set<string>()
    page.on('request', (r) => origins.add(new URL(r.url()).origin))
    const response = await page.goto(request.loginUrl)
    await expect(page.getByRole('heading', { name: 'Sign in to continue' })).toBeVisible()
    await page.waitForLoadState('networkidle')
    expect(response?.headers()['referrer-policy']).toBe('no-referrer')
    expect([...origins]).toEqual([APP_URL])
  })

  test('case 14: a page on another origin cannot show the login page in a frame', async ({ page }) => {
    const request = await createLoginRequest()
    const direct = await page.request.get(request.loginUrl)
    expect(direct.headers()['x-frame-options']).toBe('DENY')
    expect(direct.headers()['content-security-policy']).toContain("frame-ancestors 'none'")
    const auth = await page.request.get('/api/auth/providers')
    expect(auth.headers()['x-frame-options']).toBe('DENY')
    expect(auth.headers()['content-security-policy']).toContain("frame-ancestors 'none'")

    // The framing page lives on 127.0.0.1, the bridge on localhost: two origins.
    await page.goto(`${APP_URL_OTHER_ORIGIN}/api/health`)
    const framed = page.waitForEvent('framenavigated', (frame) => frame !== page.mainFrame())
    await page.setContent(`<iframe id="login" src="${request.loginUrl}" width="600" height="400"></iframe>`)
    await framed
    const frame = page.frames().find((f) => f !== page.mainFrame())
    expect(frame).toBeDefined()
    // Settled once the frame has loaded, whichever document it ended on: the login page or the
    // error page Chromium puts in place of a refused one.
    await frame!.waitForLoadState('load')
    // Chromium replaces a refused frame with its own error page; the sign-in form never renders.
    expect(await frame!.locator('text=Sign in to continue').count()).toBe(0)
    expect(frame!.url()).not.toBe(request.loginUrl)
  })

  test('case 15: the CSP uses a fresh nonce that every script carries, and sets no form-action', async ({ page }) => {
    const request = await createLoginRequest()
    const first = await page.request.get(request.loginUrl)
    const csp = first.headers()['content-security-policy'] ?? ''
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
    expect(nonce).toBeTruthy()
    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`)
    expect(csp).not.toContain('form-action')
    expect(csp).not.toContain('unsafe-inline')
    const html = await first.text()
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])
    expect(scripts.length).toBeGreaterThan(0)
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`)

    const second = await page.request.get(request.loginUrl)
    expect(/'nonce-([^']+)'/.exec(second.headers()['content-security-policy'] ?? '')?.[1]).not.toBe(nonce)

    // The page runs under it: no violation while it loads and hydrates.
    const violations: string[] = []
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text())
    })
    await page.goto(request.loginUrl)
    await page.waitForLoadState('networkidle')
    expect(violations).toEqual([])
  })

  test('case 16 and 24: over http no HSTS; nosniff, no X-Powered-By; the login cookie is HttpOnly and SameSite=Lax', async ({
    request,
  }) => {
    const login = await createLoginRequest()
    const response = await request.get(login.loginUrl)
    const headers = response.headers()
    expect(headers['strict-transport-security']).toBeUndefined()
    expect(headers['x-content-type-options']).toBe('nosniff')
    expect(headers['x-powered-by']).toBeUndefined()
    const cookie =
      response.headersArray().find((h) => h.name.toLowerCase() === 'set-cookie' && h.value.startsWith('byoa_login='))?.value ?? ''
    expect(cookie).toMatch(/; HttpOnly/i)
    expect(cookie).toMatch(/; SameSite=lax/i)
    expect(cookie).toMatch(/; Path=\//)
    expect(cookie).not.toMatch(/; Secure/i)
  })

  test('case 16 and 24: with an https APP_URL, HSTS is sent and the cookie is __Host-, Secure, HttpOnly and SameSite=Lax', async ({
    request,
  }) => {
    await withBridge(BRIDGE_PORT + 12, { APP_URL: 'https://login.example.test' }, async (bridge) => {
      const login = await createLoginRequest()
      const response = await request.get(login.loginUrl.replace(APP_URL, bridge.url))
      expect(response.status()).toBe(200)
      const headers = response.headers()
      expect(headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains')
      expect(headers['x-content-type-options']).toBe('nosniff')
      expect(headers['x-powered-by']).toBeUndefined()
      const cookies = response
        .headersArray()
        .filter((h) => h.name.toLowerCase() === 'set-cookie')
        .map((h) => h.value)
      const cookie = cookies.find((value) => value.startsWith('__Host-byoa_login=')) ?? ''
      expect(cookie).toMatch(/; Secure/i)
      expect(cookie).toMatch(/; HttpOnly/i)
      expect(cookie).toMatch(/; SameSite=lax/i)
      expect(cookie).toMatch(/; Path=\//)
      expect(cookie).not.toMatch(/; Domain=/i)
      expect(cookies.some((value) => value.startsWith('byoa_login='))).toBe(false)
    })
  })

  test('case 33: with an https APP_URL, every cookie Auth.js sets is __Host- (session, callback URL, CSRF, PKCE, state, nonce)', async ({
    request,
  }) => {
    const user = await createUser({ prefix: 'host-cookies' })
    const overrides = {
      APP_URL: 'https://login.example.test',
      IDENTITY_SOURCES: JSON.stringify([{ id: 'local', type: 'local' }, acmeSource]),
      ACME_CLIENT_SECRET,
    }
    await withBridge(BRIDGE_PORT + 15, overrides, async (bridge) => {
      const setCookies = (response: APIResponse) =>
        response
          .headersArray()
          .filter((h) => h.name.toLowerCase() === 'set-cookie')
          .map((h) => h.value)
      const csrf = await request.get(`${bridge.url}/api/auth/csrf`)
      const { csrfToken } = (await csrf.json()) as { csrfToken: string }
      const csrfCookie = setCookies(csrf)
        .find((value) => value.startsWith('__Host-authjs.csrf-token='))!
        .split(';')[0]!
      const headers = { cookie: csrfCookie, origin: 'https://login.example.test' }

      const idp = await request.post(`${bridge.url}/api/auth/signin/acme`, {
        form: { csrfToken, callbackUrl: '/login/resume' },
        headers,
        maxRedirects: 0,
      })
      expect(idp.status()).toBe(302)
      const signIn = await request.post(`${bridge.url}/api/auth/callback/local`, {
        form: { csrfToken, email: user.email, password: user.password, callbackUrl: '/login/resume' },
        headers,
        maxRedirects: 0,
      })
      expect(signIn.status()).toBe(302)

      const cookies = [...setCookies(csrf), ...setCookies(idp), ...setCookies(signIn)]
      const names = new Set(cookies.map((value) => value.slice(0, value.indexOf('='))))
      for (const name of ['csrf-token', 'pkce.code_verifier', 'state', 'nonce', 'callback-url', 'session-token']) {
        expect(names, `Set-Cookie for ${name}`).toContain(`__Host-authjs.${name}`)
      }
      for (const cookie of cookies.filter(
        (value) => value.startsWith('__Host-authjs.') && !/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(value),
      )) {
        expect(cookie).toMatch(/; Secure/i)
        expect(cookie).toMatch(/; Path=\//)
        expect(cookie).not.toMatch(/; Domain=/i)
      }
      expect(cookies.filter((value) => /^(__Secure-)?authjs\./.test(value))).toEqual([])

      // The login page looks for the session under its __Host- name before asking Auth.js for it.
      const session = cookies.find((value) => value.startsWith('__Host-authjs.session-token='))!.split(';')[0]!
      const next = await createLoginRequest()
      const query = new URLSearchParams({ login_request_id: next.loginRequestId, state: next.state })
      const page = await request.get(`${bridge.url}/login?${query}`, { headers: { cookie: session } })
      expect(page.status()).toBe(200)
      expect(await page.text()).toContain('You are signed in as')
    })
  })
})

test.describe('a bridge bound to loopback', () => {
  test('case 38: bound to 127.0.0.1 (as behind a local proxy), /login without parameters and the problem pages keep their status and page', async ({
    request,
  }) => {
    // The suite's bridges listen on 127.0.0.1 only (playwright.config.ts), so this runs against that bind.
    const bare = await request.get('/login', { maxRedirects: 0 })
    expect(bare.status()).toBe(400)
    expect(await bare.text()).toContain('This sign-in link is incomplete')
    for (const [code, status, title] of [
      ['expired', 410, 'This sign-in request expired'],
      ['cross_site', 403, 'This request was refused'],
    ] as const) {
      const page = await request.get(`/login/problem/${code}`, { maxRedirects: 0 })
      expect(page.status()).toBe(status)
      expect(await page.text()).toContain(title)
    }
    const unknown = await request.get('/login/problem/no_such_problem', { maxRedirects: 0 })
    expect(unknown.status()).toBe(404)
  })
})
