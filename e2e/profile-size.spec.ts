import { test, expect } from './fixtures'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'
import { CREDENTIAL_API_BRIDGE_URL, loginUrlOn } from './support/sources'
import { COMPANY_API_USERS } from './upstreams/company-api'

// A source may answer with a very large profile. Kept whole in the session cookie, it would make
// every later request of that browser too large for the server (431), sign-out included.

const bridge = CREDENTIAL_API_BRIDGE_URL
const bulky = COMPANY_API_USERS.bulky

test.describe('a very large profile', () => {
  test('case 36: is refused with the 422 page before it is stored, and the browser keeps working', async ({ page, loginPage }) => {
    const request = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, request))
    await loginPage.signIn(bulky.email, bulky.password)
    await loginPage.expectProblem('invalid_profile')
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
    const row = await ledgerRow(request.loginRequestId)
    expect(row).toMatchObject({ status: 'failed', error_code: 'invalid_profile' })
    expect(row?.error_message).toMatch(/^corp: the profile is \d+ KB, more than the 6 KB a sign-in may keep$/)

    const cookieBytes = (await page.context().cookies()).reduce((sum, cookie) => sum + cookie.name.length + cookie.value.length, 0)
    expect(cookieBytes).toBeLessThan(8 * 1024)
    const next = await createLoginRequest()
    const response = await loginPage.open(loginUrlOn(bridge, next))
    expect(response?.status()).toBe(200)
  })
})
