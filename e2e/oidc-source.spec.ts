import http from 'node:http'
import { test, expect } from './fixtures'
import { IdpPages } from './pages/upstream-pages'
import { createLoginRequest, readLoginRequest, setBridgeLoginUrl } from './support/stand-in-api'
import { ledgerEvents, ledgerRow } from './support/ledger'
import { asReceivedByScalekit, partnerCallback, statusOfCurrentPage, watchPartnerCallbacks } from './support/flows'
import { acmeSource, loginUrlOn, SOURCES_BRIDGE_URL, SPARE_BRIDGE_PORT, sourcesEnv } from './support/sources'
import { bringIdpUp, setIdTokenFault, takeIdpDown } from './support/upstreams-api'
import { withBridge } from './support/bridge'
import { untilClockPasses } from './support/clock'
import { IDP_USERS } from './upstreams/idp'
import { IDP_ISSUER } from './upstreams/options'
import { MCP_URL } from './support/config'
import { startMcpClientLogin } from './stand-in/mcp-test-client'

// The "oidc" identity source against a real OpenID Provider (panva's oidc-provider) with its own
// login and consent pages. The bridge on SOURCES_BRIDGE_URL has the local directory, the Acme IdP
// and the company app, so subjects are namespaced by source.

const bridge = SOURCES_BRIDGE_URL

/** What Ada's IdP profile becomes in Scalekit's User message on a bridge with several sources. */
const adaClaims = {
  sub: 'acme|idp-user-ada',
  email: 'ada@acme.test',
  emailVerified: true,
  name: 'Ada Lovelace',
  givenName: 'Ada',
  familyName: 'Lovelace',
  preferredUsername: 'ada',
  picture: 'https://images.acme.test/ada.png',
  locale: 'en-GB',
  groups: ['engineering', 'mcp-users'],
  organizationExternalId: 'org_acme',
  organizationExternalName: 'Acme Corp',
  // The IdP's ID token says how Ada signed in there (amr, acr); the bridge passes it on.
  customAttributes: { department: 'R&D', amr: ['pwd', 'otp'], acr: 'urn:acme:loa:2' },
}

test.describe('an upstream OpenID Connect IdP (oidc source)', () => {
  test('signs in at the IdP and completes the same login request with the mapped claims, no second sign-in', async ({
    page,
    loginPage,
  }) => {
    const request = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, request))
    // One button per external source, plus the email and password form of the local directory.
    await expect(page.getByRole('link', { name: 'Sign in with Company app' })).toBeVisible()
    await expect(loginPage.email).toBeVisible()

    const callbacks = watchPartnerCallbacks(page)
    const authorize = page.waitForRequest((r) => r.url().startsWith(`${IDP_ISSUER}/auth?`))
    await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
    const query = new URL((await authorize).url()).searchParams
    expect(query.get('client_id')).toBe(acmeSource.clientId)
    expect(query.get('redirect_uri')).toBe(`${bridge}/api/auth/callback/acme`)
    expect(query.get('scope')).toBe('openid email profile groups org')
    expect(query.get('code_challenge_method')).toBe('S256')
    expect(query.get('state')).toBeTruthy()
    expect(query.get('nonce')).toBeTruthy()
    expect(query.get('prompt')).toBeNull()

    const idp = new IdpPages(page)
    await idp.signIn(IDP_USERS.ada)
    await idp.allow()
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    expect(callbacks).toEqual([partnerCallback(request.state)])

    const received = await readLoginRequest(request.loginRequestId)
    expect(received?.userDetailsCalls).toBe(1)
    expect(received?.user).toEqual(asReceivedByScalekit(adaClaims))
    const row = await ledgerRow(request.loginRequestId)
    expect(row).toMatchObject({
      status: 'completed',
      identity_source: 'acme',
      user_sub: 'acme|idp-user-ada',
      user_email: 'ada@acme.test',
      auth_methods: 'pwd otp',
    })
    expect(JSON.parse(row!.claims!)).toEqual(adaClaims)
    expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'signed_in', 'submitted', 'completed'])

    // The next login request offers "Continue as"; "Use another account" signs out and stays on it.
    const next = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, next))
    await expect(loginPage.continueAs('Ada Lovelace')).toBeVisible()
    await loginPage.useAnotherAccount.click()
    await expect(page).toHaveURL(loginUrlOn(bridge, next))
    await expect(loginPage.continueAs('Ada Lovelace')).toHaveCount(0)

    // The IdP's own session still knows Ada: the bridge asks it for a fresh sign-in, so Grace can use hers.
    const again = page.waitForRequest((r) => r.url().startsWith(`${IDP_ISSUER}/auth?`))
    await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
    expect(new URL((await again).url()).searchParams.get('prompt')).toBe('login')
    await idp.signIn(IDP_USERS.grace)
    await idp.allow()
    await expect(page.getByText(`login request ${next.loginRequestId} completed`)).toBeVisible()
    expect((await readLoginRequest(next.loginRequestId))?.user?.email).toBe('grace@acme.test')
    // Asked once: the mark is gone with the sign-in it was for.
    expect((await page.context().cookies()).map((cookie) => cookie.name)).not.toContain('byoa_fresh')
  })

  test('"Continue as" after an IdP sign-in completes the next login request with the same claims', async ({ page, loginPage }) => {
    const first = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, first))
    await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
    await new IdpPages(page).signIn(IDP_USERS.ada)
    await new IdpPages(page).allow()
    await expect(page.getByText(`login request ${first.loginRequestId} completed`)).toBeVisible()

    const second = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, second))
    await loginPage.continueAs('Ada Lovelace').click()
    await expect(page.getByText(`login request ${second.loginRequestId} completed`)).toBeVisible()
    expect((await readLoginRequest(second.loginRequestId))?.user).toEqual(asReceivedByScalekit(adaClaims))
  })

  test('the person denies at the IdP: a 403 page, nothing sent, the reason in the ledger, Try again returns', async ({
    page,
    loginPage,
  }) => {
    const request = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, request))
    await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
    const idp = new IdpPages(page)
    await idp.signIn(IDP_USERS.ada)
    await idp.deny()

    await loginPage.expectProblem('idp_denied')
    expect(await statusOfCurrentPage(page)).toBe(403)
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'idp_denied' })
    expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'sign_in_failed'])

    await page.getByRole('link', { name: 'Try again' }).click()
    await expect(page).toHaveURL(loginUrlOn(bridge, request))
    await expect(page.getByRole('button', { name: 'Sign in with Acme IdP' })).toBeVisible()
  })

  // On a bridge that has not read the IdP's discovery document yet: once it has, the authorization
  // URL comes from its cache, and an IdP that went down after that is met by the browser itself.
  test('the IdP is down: a 503 page with nothing sent; when it is back, Try again completes', async ({ page, loginPage }) => {
    const url = `http://localhost:${SPARE_BRIDGE_PORT}`
    await withBridge(SPARE_BRIDGE_PORT, sourcesEnv(url, [acmeSource]), async () => {
      const request = await createLoginRequest()
      await loginPage.open(loginUrlOn(url, request))
      await takeIdpDown()
      await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
      await loginPage.expectProblem('source_unavailable')
      expect(await statusOfCurrentPage(page)).toBe(503)
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'source_unavailable' })

      await bringIdpUp()
      await page.getByRole('link', { name: 'Try again' }).click()
      await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
      await new IdpPages(page).signIn(IDP_USERS.ada)
      await new IdpPages(page).allow()
      await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
      expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(1)
    })
  })

  // Case 20: Auth.js (oauth4webapi) checks iss, aud, nonce and exp, the bridge the signature.
  for (const fault of ['bad_signature', 'wrong_audience', 'wrong_issuer', 'wrong_nonce', 'alg_none', 'expired'] as const) {
    test(`case 20: an ID token with ${fault.replace('_', ' ')} is refused: nothing sent, no session`, async ({ page, loginPage }) => {
      await setIdTokenFault(fault)
      const request = await createLoginRequest()
      await loginPage.open(loginUrlOn(bridge, request))
      await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
      await new IdpPages(page).signIn(IDP_USERS.ada)
      await new IdpPages(page).allow()

      await loginPage.expectProblem('idp_token_invalid')
      expect(await statusOfCurrentPage(page)).toBe(502)
      expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'idp_token_invalid' })
      // The refused token left no bridge session behind.
      await loginPage.open(loginUrlOn(bridge, request))
      await expect(page.getByRole('button', { name: /^Continue as/ })).toHaveCount(0)
    })
  }

  test('a profile without an email: a 422 page, nothing sent, the request closed with the reason', async ({ page, loginPage }) => {
    const request = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, request))
    await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
    await new IdpPages(page).signIn(IDP_USERS.nomail)
    await new IdpPages(page).allow()

    await loginPage.expectProblem('invalid_profile')
    expect(await statusOfCurrentPage(page)).toBe(422)
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
    const row = await ledgerRow(request.loginRequestId)
    expect(row).toMatchObject({ status: 'failed', error_code: 'invalid_profile' })
    expect(row?.error_message).toBe('acme: email: the source gave no email address in "email"')
  })

  test('coming back with a forged return address completes nothing', async ({ page, loginPage }) => {
    const request = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, request))
    await page.goto(`${bridge}/login/resume?login_request_id=${request.loginRequestId}&intent=forged`)
    await loginPage.expectProblem('no_session')
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
  })

  test('a login request that expired during the IdP round trip ends on the expired page', async ({ page, loginPage }) => {
    const url = `http://localhost:${SPARE_BRIDGE_PORT}`
    await withBridge(SPARE_BRIDGE_PORT, sourcesEnv(url, [acmeSource], { LOGIN_REQUEST_TTL_SECONDS: '10' }), async () => {
      const request = await createLoginRequest()
      await loginPage.open(loginUrlOn(url, request))
      await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
      await expect(page.getByRole('heading', { name: 'Acme IdP sign-in' })).toBeVisible()
      await new IdpPages(page).signIn(IDP_USERS.ada)
      await expect(page.getByRole('heading', { name: 'Allow access?' })).toBeVisible()
      // Still at the IdP, the login request passes the bridge's own deadline (the ledger row's
      // expires_at, which comes after the arrival sealed in the cookie) before the person allows.
      await untilClockPasses((await ledgerRow(request.loginRequestId))!.expires_at)
      await new IdpPages(page).allow()

      await loginPage.expectProblem('expired')
      expect(await statusOfCurrentPage(page)).toBe(410)
      expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'expired' })
    })
  })

  test('a real MCP client connects through an OIDC source and calls a tool as the IdP user', async ({ page }) => {
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('Return to your MCP client.'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const redirectUrl = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/oauth/callback`
    await setBridgeLoginUrl(`${bridge}/login`)
    const client = await startMcpClientLogin({ mcpUrl: MCP_URL, redirectUrl })
    try {
      await page.goto(client.authorizationUrl)
      await expect(page).toHaveURL(new RegExp(`^${bridge}/login\\?login_request_id=lri_`))
      await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
      await new IdpPages(page).signIn(IDP_USERS.ada)
      await new IdpPages(page).allow()
      await page.waitForURL(`${redirectUrl}?**`)

      await client.finishWithRedirect(page.url())
      const result = await client.callTool('whoami')
      const text = (result.content as Array<{ type: string; text: string }>)[0]!.text
      expect(JSON.parse(text)).toMatchObject({ email: 'ada@acme.test', name: 'Ada Lovelace' })
    } finally {
      await client.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
