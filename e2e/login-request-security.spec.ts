import { test, expect } from './fixtures'
import { APP_URL, BRIDGE_PORT } from './support/config'
import { createLoginRequest, readLoginRequest, readStats } from './support/stand-in-api'
import { ledgerEvents, ledgerRow } from './support/ledger'
import { partnerCallback, statusOfCurrentPage, watchPartnerCallbacks } from './support/flows'
import { withBridge } from './support/bridge'
import { untilClockPasses } from './support/clock'

test.describe('the login request and its state', () => {
  test('case 1: a state that differs from the sealed one is refused, nothing is sent', async ({ page, loginPage, user }) => {
    const request = await createLoginRequest()
    const callbacks = watchPartnerCallbacks(page)
    await loginPage.open(request.loginUrl)
    await page.locator('input[name="state"]').evaluateAll((inputs) => {
      for (const input of inputs as HTMLInputElement[]) input.value = `${input.value}x`
    })
    await loginPage.signIn(user.email, user.password)
    await loginPage.expectProblem('state_mismatch')
    expect(await statusOfCurrentPage(page)).toBe(400)
    expect(callbacks).toEqual([])
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'state_mismatch' })
    expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'rejected'])
  })

  test('case 1: a completion without the sealed cookie is refused, nothing is sent', async ({ page, context, loginPage, user }) => {
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    await context.clearCookies({ name: 'byoa_login' })
    await loginPage.signIn(user.email, user.password)
    await loginPage.expectProblem('no_session')
    expect(await statusOfCurrentPage(page)).toBe(400)
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'no_session' })
  })

  test('case 24: a tampered sealed cookie counts as absent, never a 500', async ({ page, context, loginPage, user }) => {
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    const [cookie] = await context.cookies(APP_URL).then((all) => all.filter((c) => c.name === 'byoa_login'))
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' })
    const flipped = cookie!.value.slice(0, 30) + (cookie!.value[30] === 'a' ? 'b' : 'a') + cookie!.value.slice(31)
    await context.addCookies([{ ...cookie!, value: flipped }])
    await loginPage.signIn(user.email, user.password)
    await loginPage.expectProblem('no_session')
    expect(await statusOfCurrentPage(page)).toBe(400)
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
  })

  test('case 3: a replay or the back button after completion gets "already used", no second call', async ({ page, loginPage, user }) => {
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    await loginPage.signIn(user.email, user.password)
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()

    await page.goBack()
    await loginPage.expectProblem('already_used')
    const replay = await page.goto(request.loginUrl)
    expect(replay?.status()).toBe(409)
    await loginPage.expectProblem('already_used')
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(1)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed' })
  })

  test('case 3: concurrent double submits call Scalekit once; the others get "already used"', async ({ browser, user }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL: APP_URL })
    const page = await context.newPage()
    const request = await createLoginRequest()
    await page.goto(request.loginUrl)
    // Capture the browser's own form submission, then send it five times at once.
    let captured: { url: string; body: Buffer; contentType: string } | undefined
    await page.route('**/login?**', async (route) => {
      if (route.request().method() !== 'POST') return route.continue()
      const headers = await route.request().allHeaders()
      captured = { url: route.request().url(), body: route.request().postDataBuffer()!, contentType: headers['content-type']! }
      await route.abort()
    })
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page
      .getByRole('button', { name: 'Sign in', exact: true })
      .click()
      .catch(() => {})
    await expect.poll(() => captured !== undefined).toBe(true)

    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        context.request.post(captured!.url, {
          headers: { 'content-type': captured!.contentType, origin: APP_URL, 'sec-fetch-site': 'same-origin' },
          data: captured!.body,
          maxRedirects: 0,
        }),
      ),
    )
    const locations = responses.map((r) => `${r.status()} ${r.headers()['location']}`).sort()
    expect(locations.filter((l) => l === `303 ${partnerCallback(request.state)}`)).toHaveLength(1)
    expect(locations.filter((l) => l === '303 /login/problem/already_used')).toHaveLength(4)
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(1)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', user_email: user.email })
    await context.close()
  })

  test('case 4: a login request past its TTL is expired and sends nothing', async ({ browser, user }) => {
    test.setTimeout(60_000)
    await withBridge(BRIDGE_PORT + 1, { LOGIN_REQUEST_TTL_SECONDS: '10' }, async (bridge) => {
      const context = await browser.newContext()
      const page = await context.newPage()
      const request = await createLoginRequest()
      const loginUrl = request.loginUrl.replace(APP_URL, bridge.url)
      await page.goto(loginUrl)
      await page.getByLabel('Email').fill(user.email)
      await page.getByLabel('Password').fill(user.password)
      // Sent once the bridge's own deadline has passed: the ledger row's expires_at, ten seconds
      // from when the page was rendered, which is after the arrival time sealed in the cookie.
      const arrived = await ledgerRow(request.loginRequestId)
      expect(arrived!.expires_at - arrived!.created_at).toBe(10_000)
      await untilClockPasses(arrived!.expires_at)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await expect(page.getByTestId('problem-code')).toHaveText('expired')
      await expect(page.getByTestId('problem-message')).toContainText('start the connection again')
      expect((await page.request.get(page.url())).status()).toBe(410)
      const reload = await page.goto(loginUrl)
      expect(reload?.status()).toBe(410)
      expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'expired', error_code: 'expired' })
      await context.close()
    })
  })

  test('case 6: a signed-in victim opening a login link must act; nothing completes on its own', async ({ page, loginPage, user }) => {
    await loginPage.signInThrough(await createLoginRequest(), user)

    const attackerLink = await createLoginRequest()
    const callbacks = watchPartnerCallbacks(page)
    await loginPage.open(attackerLink.loginUrl)
    await expect(loginPage.continueAs(user.name)).toBeVisible()
    await expect(loginPage.useAnotherAccount).toBeVisible()
    await expect(loginPage.email).toHaveCount(0)
    // Whatever the page might do by itself it does once its scripts have loaded and run: the
    // network stays quiet (no request for 500 ms) only after that.
    await page.waitForLoadState('networkidle')
    expect(callbacks).toEqual([])
    expect(await readLoginRequest(attackerLink.loginRequestId)).toMatchObject({ status: 'pending', userDetailsCalls: 0 })
    expect(await ledgerRow(attackerLink.loginRequestId)).toMatchObject({ status: 'pending', user_email: null })

    await loginPage.continueAs(user.name).click()
    await expect(page.getByText(`login request ${attackerLink.loginRequestId} completed`)).toBeVisible()
    expect(callbacks).toEqual([partnerCallback(attackerLink.state)])
  })

  test('"Use another account" signs out and returns to the same login request', async ({ page, loginPage, user }) => {
    await loginPage.signInThrough(await createLoginRequest(), user)
    const second = await createLoginRequest()
    await loginPage.open(second.loginUrl)
    await loginPage.useAnotherAccount.click()
    await expect(loginPage.email).toBeVisible()
    expect(new URL(page.url()).searchParams.get('login_request_id')).toBe(second.loginRequestId)
    expect(new URL(page.url()).searchParams.get('state')).toBe(second.state)
    expect((await readLoginRequest(second.loginRequestId))?.userDetailsCalls).toBe(0)
  })
})

test.describe('redirects and parameters (case 7)', () => {
  const badIds = ['lri&x=1', 'lri#frag', 'lri?x', 'lri/x', '..', 'lri%2Fx', 'lri@evil.example', 'lrié', 'x'.repeat(10_240)]
  for (const id of badIds) {
    test(`login_request_id ${JSON.stringify(id.slice(0, 20))} is refused before any outbound call`, async ({ page, loginPage }) => {
      const before = await readStats()
      const response = await page.goto(`/login?${new URLSearchParams({ login_request_id: id, state: 'ok' })}`)
      expect(response?.status()).toBe(400)
      await loginPage.expectProblem('invalid_login_request_id')
      expect(await readStats()).toEqual(before)
    })
  }

  for (const state of ['ünïcødé', 'has space', 's'.repeat(10_240)]) {
    test(`state ${JSON.stringify(state.slice(0, 12))} is refused before any outbound call`, async ({ page, loginPage }) => {
      const before = await readStats()
      const response = await page.goto(`/login?${new URLSearchParams({ login_request_id: 'lri_fuzz', state })}`)
      expect(response?.status()).toBe(400)
      await loginPage.expectProblem('invalid_state')
      expect(await readStats()).toEqual(before)
    })
  }

  test('odd but valid states go back byte for byte; the host never changes', async ({ page, loginPage, user }) => {
    const states = ['a&b=c', 'a#b', 'a?b=c&d', 'a/b/../c', '..%2F..%2F', '@evil.example', '//evil.example/x', 'x+y=z%20', '"<>\\`{}|^']
    let signedIn = false
    for (const state of states) {
      const request = await createLoginRequest({ state })
      expect(request.state).toBe(state)
      const callbacks = watchPartnerCallbacks(page)
      await loginPage.open(request.loginUrl)
      if (signedIn) await loginPage.continueAs(user.name).click()
      else await loginPage.signIn(user.email, user.password)
      signedIn = true
      await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
      expect(callbacks).toEqual([partnerCallback(state)])
      const url = new URL(callbacks[0]!)
      expect(url.origin).toBe(new URL(partnerCallback(state)).origin)
      expect([...url.searchParams.keys()]).toEqual(['state'])
      expect(url.searchParams.get('state')).toBe(state)
      expect(url.hash).toBe('')
    }
  })
})
