import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import type { LoginPage } from './pages/login-page'
import { IdpPages } from './pages/upstream-pages'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { acmeSource, loginUrlOn, SPARE_BRIDGE_PORT, sourcesEnv } from './support/sources'
import { withBridge } from './support/bridge'
import { clearIdpRequests, idpRequests, rotateIdpKey } from './support/upstreams-api'
import { IDP_USERS } from './upstreams/idp'

// A bridge reads an IdP's discovery document and its keys once, not at every login: Auth.js's two
// discovery reads per login and the bridge's own signature check share one in-process cache. The
// test IdP counts what it serves. Each case starts a bridge of its own, so the cache is empty.

const url = `http://localhost:${SPARE_BRIDGE_PORT}`
const DISCOVERY = 'GET /.well-known/openid-configuration'
const JWKS = 'GET /jwks'

/** One whole sign-in at the IdP: no cookie kept from before, so it is never "Continue as". */
async function signInAtIdp(page: Page, loginPage: LoginPage): Promise<void> {
  await page.context().clearCookies()
  const request = await createLoginRequest()
  await loginPage.open(loginUrlOn(url, request))
  await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
  const idp = new IdpPages(page)
  await idp.signIn(IDP_USERS.ada)
  await idp.allow()
  await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
  expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(1)
}

test.describe("an upstream IdP's discovery document and keys", () => {
  test('10 logins on a fresh bridge read discovery once and the keys once; each login one authorization and one token request', async ({
    page,
    loginPage,
  }) => {
    test.setTimeout(180_000)
    await withBridge(SPARE_BRIDGE_PORT, sourcesEnv(url, [acmeSource]), async () => {
      await clearIdpRequests()
      for (let login = 1; login <= 10; login++) {
        await signInAtIdp(page, loginPage)
        if (login === 1) expect(await idpRequests()).toMatchObject({ [DISCOVERY]: 1, [JWKS]: 1, 'POST /token': 1 })
      }

      const requests = await idpRequests()
      expect(requests[DISCOVERY]).toBe(1)
      expect(requests[JWKS]).toBe(1)
      expect(requests['GET /auth']).toBe(10)
      expect(requests['POST /token']).toBe(10)
      // The profile comes from the ID token: the userinfo endpoint is never called.
      expect(requests['GET /me']).toBeUndefined()
      expect(requests['POST /me']).toBeUndefined()
    })
  })

  test('after the IdP rotates its signing key, the next login succeeds with exactly one more read of the keys', async ({
    page,
    loginPage,
  }) => {
    test.setTimeout(120_000)
    await withBridge(SPARE_BRIDGE_PORT, sourcesEnv(url, [acmeSource]), async () => {
      await clearIdpRequests()
      await signInAtIdp(page, loginPage)
      expect(await idpRequests()).toMatchObject({ [DISCOVERY]: 1, [JWKS]: 1, 'POST /token': 1 })

      // The ID token now names a kid the bridge's kept keys do not have.
      await rotateIdpKey()
      await signInAtIdp(page, loginPage)
      expect(await idpRequests()).toMatchObject({ [DISCOVERY]: 1, [JWKS]: 2, 'POST /token': 2 })

      // The fresh keys are kept in turn.
      await signInAtIdp(page, loginPage)
      expect(await idpRequests()).toMatchObject({ [DISCOVERY]: 1, [JWKS]: 2, 'POST /token': 3 })
    })
  })
})
