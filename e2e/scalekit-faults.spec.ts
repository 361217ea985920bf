import { test, expect } from './fixtures'
import type { Page } from '@playwright/test'
import { APP_URL, BRIDGE_PORT, CLIENT_ID, CLIENT_SECRET, CONNECTION_ID, SCALEKIT_URL } from './support/config'
import { createLoginRequest, readLoginRequest, readStats, refuseConnections, setFault } from './support/stand-in-api'
import { ledgerEvents, ledgerRow } from './support/ledger'
import { statusOfCurrentPage, watchPartnerCallbacks } from './support/flows'
import { withBridge, runBridgeExpectingExit } from './support/bridge'
import type { LoginPage } from './pages/login-page'
import type { TestUser } from './support/users'

// Case 10: whatever Scalekit answers, the person ends on a page they can act on, and the browser
// is never sent to partner:callback unless Scalekit has the user details (accepted them, or, case
// 42 in scalekit-lost-answer.spec.ts, refused the repeat of an update whose answer was lost).

async function standInListening(): Promise<boolean> {
  return fetch(`${SCALEKIT_URL}/_standin/health`).then(
    (response) => response.ok,
    () => false,
  )
}

async function attempt(page: Page, loginPage: LoginPage, user: TestUser, loginUrl: string) {
  const callbacks = watchPartnerCallbacks(page)
  await page.goto(loginUrl)
  await loginPage.signIn(user.email, user.password)
  return callbacks
}

test.describe('Scalekit answers with an error (case 10)', () => {
  test('400 INVALID_ARGUMENT: a clear page, the request closed, no callback', async ({ page, loginPage, user }) => {
    await setFault('invalid_argument')
    const request = await createLoginRequest()
    const callbacks = await attempt(page, loginPage, user, request.loginUrl)
    await loginPage.expectProblem('scalekit_rejected_user')
    expect(await statusOfCurrentPage(page)).toBe(502)
    expect(callbacks).toEqual([])
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'failed', error_code: 'scalekit_rejected_user' })
    // Case 25: a 4xx is an answer, not an outage; it is not retried.
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 1 })
  })

  test('409 FAILED_PRECONDITION when Scalekit already closed the request', async ({ page, loginPage, user }) => {
    const request = await createLoginRequest()
    // Someone else (another tab, a retry) already completed this request at Scalekit.
    const token = await fetch(`${SCALEKIT_URL}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
    }).then((r) => r.json() as Promise<{ access_token: string }>)
    const direct = await fetch(`${SCALEKIT_URL}/api/v1/connections/${CONNECTION_ID}/auth-requests/${request.loginRequestId}/user`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'other', email: 'other@example.test' }),
    })
    expect(direct.status).toBe(200)
    const callbacks = await attempt(page, loginPage, user, request.loginUrl)
    await loginPage.expectProblem('scalekit_closed')
    expect(await statusOfCurrentPage(page)).toBe(409)
    expect(callbacks).toEqual([])
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'failed', error_code: 'scalekit_closed' })
  })

  test('case 25: HTTP 500 is retried twice, then a retryable page; after Scalekit recovers, "Try again" completes the same request', async ({
    page,
    loginPage,
    user,
  }) => {
    await setFault('http500')
    const request = await createLoginRequest()
    const callbacks = await attempt(page, loginPage, user, request.loginUrl)
    await loginPage.expectProblem('scalekit_unavailable')
    expect(await statusOfCurrentPage(page)).toBe(503)
    expect(callbacks).toEqual([])
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'scalekit_unavailable' })
    expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'signed_in', 'submitted', 'retryable_error'])
    // The first attempt and at most two retries.
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 3, status: 'pending' })

    await setFault('none')
    await page.getByRole('link', { name: 'Try again' }).click()
    await loginPage.continueAs(user.name).click()
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', error_code: null })
  })

  test('case 25: a slow Scalekit is retried once at the timeout, then abandoned: a retryable page, no callback', async ({
    page,
    loginPage,
    user,
  }) => {
    await setFault('slow', 8000)
    const request = await createLoginRequest()
    await page.goto(request.loginUrl)
    const callbacks = watchPartnerCallbacks(page)
    const started = Date.now()
    await loginPage.signIn(user.email, user.password)
    await loginPage.expectProblem('scalekit_timeout')
    // SCALEKIT_TIMEOUT_MS is 3000 here: two attempts of 3 s each, so the page comes at about 6 s,
    // well before Scalekit's 8 s answer to the first would.
    expect(Date.now() - started).toBeLessThan(8000)
    expect(await statusOfCurrentPage(page)).toBe(504)
    expect(callbacks).toEqual([])
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'scalekit_timeout' })
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 2 })
  })

  test('case 25: HTTP 503 from in front of Scalekit and gRPC UNAVAILABLE are each retried twice, then a retryable page', async ({
    page,
    loginPage,
    user,
  }) => {
    for (const fault of ['http503', 'unavailable'] as const) {
      await setFault(fault)
      const request = await createLoginRequest()
      const callbacks = await attempt(page, loginPage, user, request.loginUrl)
      await loginPage.expectProblem('scalekit_unavailable')
      expect(await statusOfCurrentPage(page)).toBe(503)
      expect(callbacks).toEqual([])
      expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 3, status: 'pending' })
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({
        status: 'pending',
        error_code: 'scalekit_unavailable',
        auth_request_id: null,
      })
      await page.context().clearCookies()
    }
  })

  test('case 25: Scalekit refusing connections: a retryable page; once it listens again, "Try again" completes', async ({
    page,
    loginPage,
    user,
  }) => {
    const request = await createLoginRequest()
    await page.goto(request.loginUrl)
    const callbacks = watchPartnerCallbacks(page)
    await refuseConnections(4000)
    await loginPage.signIn(user.email, user.password)
    await loginPage.expectProblem('scalekit_unavailable')
    expect(await statusOfCurrentPage(page)).toBe(503)
    expect(callbacks).toEqual([])
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'scalekit_unavailable' })

    await expect.poll(standInListening, { timeout: 10_000 }).toBe(true)
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 0, status: 'pending' })
    await page.getByRole('link', { name: 'Try again' }).click()
    await loginPage.continueAs(user.name).click()
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', error_code: null })
  })

  test('case 25: UNAUTHENTICATED once: the bridge refreshes its token once and completes', async ({ page, loginPage, user }) => {
    await setFault('unauthenticated_once')
    const request = await createLoginRequest()
    const before = await readStats()
    await attempt(page, loginPage, user, request.loginUrl)
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    // The refused attempt, then the retry with the new token; exactly one token refresh.
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 2, status: 'callback_used' })
    expect((await readStats()).tokenFetches - before.tokenFetches).toBe(1)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', error_code: null })
  })
})

test.describe('a misconfigured or unreachable Scalekit (case 10)', () => {
  test('401: wrong client secret says the credentials are misconfigured', async ({ page, loginPage, user }) => {
    await withBridge(BRIDGE_PORT + 2, { SCALEKIT_CLIENT_SECRET: 'not-the-secret' }, async (bridge) => {
      const request = await createLoginRequest()
      const callbacks = await attempt(page, loginPage, user, request.loginUrl.replace(APP_URL, bridge.url))
      await loginPage.expectProblem('scalekit_credentials')
      expect(await statusOfCurrentPage(page)).toBe(502)
      expect(callbacks).toEqual([])
      expect(bridge.output()).not.toContain('not-the-secret')
    })
  })

  test('404 "invalid ID": the page explains conn_ versus res_', async ({ page, loginPage, user }) => {
    await withBridge(BRIDGE_PORT + 3, { SCALEKIT_CONNECTION_ID: 'conn_unknown00001' }, async (bridge) => {
      const request = await createLoginRequest()
      const callbacks = await attempt(page, loginPage, user, request.loginUrl.replace(APP_URL, bridge.url))
      await loginPage.expectProblem('scalekit_invalid_id')
      await expect(loginPage.problemMessage).toContainText('must be the conn_... id')
      await expect(loginPage.problemMessage).toContainText("not the MCP server's res_... resource id")
      expect(await statusOfCurrentPage(page)).toBe(502)
      expect(callbacks).toEqual([])
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'failed', error_code: 'scalekit_invalid_id' })
    })
  })

  test('Scalekit down: a retryable page, no callback', async ({ page, loginPage, user }) => {
    await withBridge(BRIDGE_PORT + 4, { SCALEKIT_ENVIRONMENT_URL: 'http://127.0.0.1:4199' }, async (bridge) => {
      const request = await createLoginRequest()
      const callbacks = await attempt(page, loginPage, user, request.loginUrl.replace(APP_URL, bridge.url))
      await loginPage.expectProblem('scalekit_unavailable')
      expect(await statusOfCurrentPage(page)).toBe(503)
      expect(callbacks).toEqual([])
    })
  })

  test('a res_ connection id or a short secret: the server refuses to start and says why', async () => {
    const result = await runBridgeExpectingExit(BRIDGE_PORT + 5, {
      ...(await import('./support/config')).bridgeEnv({ APP_URL: `http://localhost:${BRIDGE_PORT + 5}` }),
      SCALEKIT_CONNECTION_ID: 'res_e2e00000001',
      SESSION_SECRET: 'too-short',
      APP_URL: 'http://login.example.com',
    })
    expect(result.code).toBe(1)
    expect(result.output).toContain('The bridge is not configured correctly')
    expect(result.output).toContain("SCALEKIT_CONNECTION_ID is set to a res_... value: that is the MCP server's resource id")
    expect(result.output).toContain('SESSION_SECRET must be at least 32 characters')
    expect(result.output).toContain('APP_URL must use https')
  })
})
