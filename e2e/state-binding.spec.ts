import { test, expect } from './fixtures'
import { LoginPage } from './pages/login-page'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'

// Knowing a login request's id is not enough to use it up: a completion must carry the state the
// request first arrived with, whatever the browser's own cookie says.

test.describe('the state of the first arrival', () => {
  test('case 37: someone with the id and an invented state cannot cancel the request; its owner still completes it', async ({
    page,
    browser,
    loginPage,
    user,
  }) => {
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)

    const attackerContext = await browser.newContext()
    try {
      const attacker = new LoginPage(await attackerContext.newPage())
      const invented = new URL(request.loginUrl)
      invented.searchParams.set('state', 'invented-state-0123456789')
      await attacker.open(invented.toString())
      await attacker.cancelButton.click()
      await attacker.expectProblem('state_mismatch')
    } finally {
      await attackerContext.close()
    }
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'state_mismatch' })

    await loginPage.signIn(user.email, user.password)
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
  })
})
