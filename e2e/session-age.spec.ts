import { test, expect } from './fixtures'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { loginUrlOn, SPARE_BRIDGE_PORT, sourcesEnv } from './support/sources'
import { withBridge } from './support/bridge'
import { ledgerRow } from './support/ledger'
import { untilClockPasses } from './support/clock'

// SESSION_MAX_AGE_SECONDS: a bridge session older than this asks for a fresh sign-in.

const MAX_AGE_SECONDS = 6

test('a bridge session older than SESSION_MAX_AGE_SECONDS asks for a fresh sign-in instead of "Continue as"', async ({
  page,
  loginPage,
  user,
}) => {
  const url = `http://localhost:${SPARE_BRIDGE_PORT}`
  await withBridge(
    SPARE_BRIDGE_PORT,
    sourcesEnv(url, [{ id: 'local', type: 'local' }], { SESSION_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS) }),
    async () => {
      const first = await createLoginRequest()
      await loginPage.open(loginUrlOn(url, first))
      await loginPage.signIn(user.email, user.password)
      await expect(page.getByText(`login request ${first.loginRequestId} completed`)).toBeVisible()
      // The session's sign-in time, as the bridge keeps it in the session and wrote it to the ledger.
      const signedInAt = (await ledgerRow(first.loginRequestId))!.signed_in_at!

      const second = await createLoginRequest()
      await loginPage.open(loginUrlOn(url, second))
      await expect(loginPage.continueAs(user.name)).toBeVisible()

      // Until the session is exactly SESSION_MAX_AGE_SECONDS old by the clock the bridge reads.
      await untilClockPasses(signedInAt + MAX_AGE_SECONDS * 1000)
      // A page shown while the session was fresh cannot be used to complete with it afterwards.
      await loginPage.continueAs(user.name).click()
      await expect(page).toHaveURL(loginUrlOn(url, second))
      await expect(loginPage.continueAs(user.name)).toHaveCount(0)
      await expect(loginPage.email).toBeVisible()
      expect((await readLoginRequest(second.loginRequestId))?.userDetailsCalls).toBe(0)

      await loginPage.signIn(user.email, user.password)
      await expect(page.getByText(`login request ${second.loginRequestId} completed`)).toBeVisible()
    },
  )
})
