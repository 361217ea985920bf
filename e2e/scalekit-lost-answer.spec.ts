import { test, expect } from './fixtures'
import type { Page } from '@playwright/test'
import { createLoginRequest, readLoginRequest, setFault } from './support/stand-in-api'
import { ledgerEventDetail, ledgerEvents, ledgerRow } from './support/ledger'
import { partnerCallback, statusOfCurrentPage, watchPartnerCallbacks } from './support/flows'
import { LoginPage } from './pages/login-page'
import type { TestUser } from './support/users'

// Case 42: Scalekit applied the bridge's update but the answer never arrived (UNAVAILABLE after the
// work, a reset stream, an answer past SCALEKIT_TIMEOUT_MS, 3000 ms here). The bridge repeats the
// update; whether Scalekit refuses the repeat as already done or accepts it, the login completes.
// A refusal the bridge cannot trace to its own lost answer still ends on a problem page.

async function signIn(page: Page, loginPage: LoginPage, user: TestUser, loginUrl: string) {
  const callbacks = watchPartnerCallbacks(page)
  await page.goto(loginUrl)
  await loginPage.signIn(user.email, user.password)
  return callbacks
}

const LOST_ANSWERS = [
  { lostAs: 'unavailable', delayMs: undefined, how: 'UNAVAILABLE after the update' },
  { lostAs: 'reset', delayMs: undefined, how: 'the stream reset after the update' },
  { lostAs: 'slow', delayMs: 4000, how: 'no answer within SCALEKIT_TIMEOUT_MS' },
] as const

test.describe('a lost answer is not a failure (case 42)', () => {
  for (const { lostAs, delayMs, how } of LOST_ANSWERS) {
    test(`case 42: ${how}, the repeat refused as already done: completed, on partner:callback, noted in the ledger`, async ({
      page,
      loginPage,
      user,
    }) => {
      await setFault('answer_lost', delayMs, { lostAs })
      const request = await createLoginRequest()
      const callbacks = await signIn(page, loginPage, user, request.loginUrl)
      await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
      expect(callbacks).toEqual([partnerCallback(request.state)])

      // Scalekit applied one update: the first attempt's. The repeat changed nothing.
      expect(await readLoginRequest(request.loginRequestId)).toMatchObject({
        status: 'callback_used',
        userDetailsCalls: 2,
        appliedUpdates: 1,
        user: expect.objectContaining({ email: user.email }),
      })
      // No authRequestId came back; the completion says how the bridge knows.
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({
        status: 'completed',
        error_code: null,
        error_message: null,
        auth_request_id: null,
        user_email: user.email,
      })
      expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'signed_in', 'submitted', 'completed'])
      expect(await ledgerEventDetail(request.loginRequestId, 'completed')).toEqual({ authRequestId: null, note: 'first_answer_lost' })
    })
  }

  test('case 42: the answer lost, the repeat accepted by Scalekit: completed with the authRequestId it holds', async ({
    page,
    loginPage,
    user,
  }) => {
    await setFault('answer_lost', undefined, { repeatUpdate: 'accept' })
    const request = await createLoginRequest()
    const callbacks = await signIn(page, loginPage, user, request.loginUrl)
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    expect(callbacks).toEqual([partnerCallback(request.state)])

    const held = await readLoginRequest(request.loginRequestId)
    expect(held).toMatchObject({ status: 'callback_used', userDetailsCalls: 2, appliedUpdates: 1 })
    expect(held?.authRequestId).toMatch(/^ar_/)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', auth_request_id: held?.authRequestId })
    expect(await ledgerEventDetail(request.loginRequestId, 'completed')).toEqual({ authRequestId: held?.authRequestId })
  })

  test('cases 3 and 42: a replayed submission of a request completed after a lost answer is refused, even where Scalekit would accept it', async ({
    context,
    page,
    loginPage,
    user,
  }) => {
    const request = await createLoginRequest()
    // A second tab holds the same sign-in form, and the browser's sealed cookie is kept as it is
    // now: completing removes this request from it, and the replay below brings it back.
    const secondTab = await context.newPage()
    await secondTab.goto(request.loginUrl)
    await page.bringToFront()
    await page.goto(request.loginUrl)
    const sealed = (await context.cookies()).filter((cookie) => cookie.name === 'byoa_login')
    expect(sealed).toHaveLength(1)

    await setFault('answer_lost', undefined, { repeatUpdate: 'accept' })
    await loginPage.signIn(user.email, user.password)
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 2, appliedUpdates: 1 })

    await context.addCookies(sealed)
    await secondTab.bringToFront()
    const replayCallbacks = watchPartnerCallbacks(secondTab)
    const replay = new LoginPage(secondTab)
    await replay.signIn(user.email, user.password)
    await replay.expectProblem('already_used')
    expect(await statusOfCurrentPage(secondTab)).toBe(409)
    expect(replayCallbacks).toEqual([])
    // The single-use claim stopped it: Scalekit heard nothing more.
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 2, appliedUpdates: 1 })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed' })
  })
})

test.describe('a refusal the bridge cannot trace to its own lost answer (cases 10 and 42)', () => {
  /**
   * A first submission that times out twice (Scalekit 4 s slow, the deadline 3 s), whose first
   * attempt Scalekit applies late: the person sees the retryable page while Scalekit holds the update.
   */
  async function timedOutButApplied(page: Page, loginPage: LoginPage, user: TestUser) {
    await setFault('slow', 4000)
    const request = await createLoginRequest()
    await signIn(page, loginPage, user, request.loginUrl)
    await loginPage.expectProblem('scalekit_timeout')
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'scalekit_timeout' })
    await expect.poll(async () => (await readLoginRequest(request.loginRequestId))?.status, { timeout: 10_000 }).toBe('user_received')
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 2, appliedUpdates: 1 })
    return request
  }

  test('case 42: "Try again" after a submission that timed out is refused at once: a page, no callback', async ({
    page,
    loginPage,
    user,
  }) => {
    const request = await timedOutButApplied(page, loginPage, user)
    await setFault('none')
    const callbacks = watchPartnerCallbacks(page)
    await page.getByRole('link', { name: 'Try again' }).click()
    await loginPage.continueAs(user.name).click()
    // The refusal answers this submission's first attempt: nothing of it can be at Scalekit.
    await loginPage.expectProblem('scalekit_closed')
    expect(await statusOfCurrentPage(page)).toBe(409)
    expect(callbacks).toEqual([])
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 3, appliedUpdates: 1 })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'failed', error_code: 'scalekit_closed' })
  })

  test('case 42: after a submission that timed out, even a refused repeat of a lost answer is a page: the update may be the earlier one', async ({
    page,
    loginPage,
    user,
  }) => {
    const request = await timedOutButApplied(page, loginPage, user)
    // This submission's first answer (the refusal) is lost too, so its repeat looks like its own.
    await setFault('answer_lost')
    const callbacks = watchPartnerCallbacks(page)
    await page.getByRole('link', { name: 'Try again' }).click()
    await loginPage.continueAs(user.name).click()
    await loginPage.expectProblem('scalekit_closed')
    expect(await statusOfCurrentPage(page)).toBe(409)
    expect(callbacks).toEqual([])
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 4, appliedUpdates: 1 })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'failed', error_code: 'scalekit_closed' })
    expect(String((await ledgerRow(request.loginRequestId))?.error_message)).toContain('an earlier submission went unanswered too')
  })
})
