import { test, expect } from './fixtures'
import { IdpPages } from './pages/upstream-pages'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { loginUrlOn, SOURCES_BRIDGE_PORT, SOURCES_BRIDGE_URL } from './support/sources'
import { IDP_USERS } from './upstreams/idp'
import { IDP_ISSUER } from './upstreams/options'

// While a person is away at the upstream IdP, another site can make their browser open bridge
// URLs. None of those may end the sign-in under way.

const bridge = SOURCES_BRIDGE_URL
/** The same bridge under another host name: a different site for the browser. */
const otherSite = `http://127.0.0.1:${SOURCES_BRIDGE_PORT}`

test.describe('a sign-in away at the IdP', () => {
  test('case 37: a cross-site GET of the error page or a forged callback does not end it', async ({ page, context, loginPage }) => {
    const request = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, request))
    const authorize = page.waitForRequest((r) => r.url().startsWith(`${IDP_ISSUER}/auth?`))
    await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
    await authorize

    // Another site, in the same browser, sends it to the bridge's error page and a forged callback.
    const attacker = await context.newPage()
    await attacker.goto(`${otherSite}/api/health`)
    for (const target of [`${bridge}/login/source-error?error=AccessDenied`, `${bridge}/api/auth/callback/acme?code=forged&state=forged`]) {
      const landed = attacker.waitForURL(/\/login\/problem\//)
      await attacker.evaluate((url) => {
        window.location.href = url
      }, target)
      await landed
      await expect(attacker.getByTestId('problem-code')).toHaveText('cross_site')
      await attacker.goto(`${otherSite}/api/health`)
    }
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)

    // The person finishes at the IdP and lands back in the same login request.
    const idp = new IdpPages(page)
    await idp.signIn(IDP_USERS.ada)
    await idp.allow()
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
  })
})
