import { test, expect } from './fixtures'
import { APP_URL, DEMO_CLIENT_URL } from './support/config'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'
import { createUser } from './support/users'

test.describe('cross-site requests and hostile data', () => {
  test('case 5: a form posted from another site to the login endpoint is refused', async ({ page }) => {
    const request = await createLoginRequest()
    await page.goto(DEMO_CLIENT_URL)
    const response = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${APP_URL}/login`))
    await page.evaluate(
      ({ action, loginRequestId, state }) => {
        const form = document.createElement('form')
        form.method = 'POST'
        form.action = action
        for (const [name, value] of Object.entries({
          login_request_id: loginRequestId,
          state,
          email: 'victim@example.test',
          password: 'x',
        })) {
          const input = document.createElement('input')
          input.name = name
          input.value = value
          form.append(input)
        }
        document.body.append(form)
        form.submit()
      },
      { action: request.loginUrl, loginRequestId: request.loginRequestId, state: request.state },
    )
    const post = await response
    expect(post.status()).toBe(303)
    expect(post.headers()['location']).toBe(`${APP_URL}/login/problem/cross_site`)
    await expect(page.getByTestId('problem-code')).toHaveText('cross_site')
    expect((await page.request.get(page.url())).status()).toBe(403)
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
  })

  test('case 5: Origin evil, Origin null and no Origin are refused', async ({ playwright }) => {
    const request = await createLoginRequest()
    const api = await playwright.request.newContext()
    for (const headers of <Array<Record<string, string>>>[
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: 'null' },
      {},
    ]) {
      const response = await api.post(request.loginUrl, {
        headers,
        form: { login_request_id: request.loginRequestId, state: request.state },
        maxRedirects: 0,
      })
      expect(response.status(), JSON.stringify(headers)).toBe(303)
      expect(response.headers()['location']).toBe(`${APP_URL}/login/problem/cross_site`)
    }
    await api.dispose()
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
  })

  test('case 13: markup, quotes and CRLF in a name stay inert text', async ({ page, loginPage }) => {
    const name = `Eve "<img src=x onerror="window.__xss=1">' \r\nSet-Cookie: x=1`
    const user = await createUser({ name, prefix: 'xss' })
    const first = await createLoginRequest()
    await loginPage.signInThrough(first, user)

    const second = await createLoginRequest()
    await loginPage.open(second.loginUrl)
    await expect(page.getByRole('button', { name: /^Continue as Eve "<img src=x onerror=/ })).toBeVisible()
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    expect(await page.locator('img').count()).toBe(0)
    expect((await page.context().cookies()).find((c) => c.name === 'x')).toBeUndefined()
    expect((await ledgerRow(first.loginRequestId))?.claims).toContain('<img src=x onerror=')
  })
})
