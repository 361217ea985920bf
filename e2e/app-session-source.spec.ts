import { test, expect } from './fixtures'
import { CompanyAppPages } from './pages/upstream-pages'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'
import { asReceivedByScalekit, partnerCallback, watchPartnerCallbacks } from './support/flows'
import { loginUrlOn, SOURCES_BRIDGE_URL } from './support/sources'
import { companyAppCalls, setCompanyAppFault } from './support/upstreams-api'
import { COMPANY_APP_USERS } from './upstreams/company-app'
import { COMPANY_APP_URL } from './upstreams/options'

// The "session" identity source: the company app's own session on the same parent domain
// (localhost here), checked with its "who am I" endpoint and only the cookie it names.

const bridge = SOURCES_BRIDGE_URL
const dana = COMPANY_APP_USERS.dana

test.describe("the company app's session (session source)", () => {
  test('signed out: to the company login and back to the same request, then "Continue as" completes it', async ({ page, loginPage }) => {
    const request = await createLoginRequest()
    const loginUrl = loginUrlOn(bridge, request)
    await loginPage.open(loginUrl)
    const signInLink = page.getByRole('link', { name: 'Sign in with Company app' })
    await expect(signInLink).toHaveAttribute('href', `${COMPANY_APP_URL}/login?return_to=${encodeURIComponent(loginUrl)}`)

    await signInLink.click()
    await new CompanyAppPages(page).signIn(dana)
    await expect(page).toHaveURL(loginUrl)

    const callbacks = watchPartnerCallbacks(page)
    await loginPage.continueAs('Dana Scully').click()
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    expect(callbacks).toEqual([partnerCallback(request.state)])

    const claims = {
      sub: 'company-app|cu-2002',
      email: 'dana@company.test',
      emailVerified: true,
      name: 'Dana Scully',
      givenName: 'Dana',
      familyName: 'Scully',
      roles: ['agent'],
    }
    expect((await readLoginRequest(request.loginRequestId))?.user).toEqual(asReceivedByScalekit(claims))
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({
      status: 'completed',
      identity_source: 'company-app',
      user_sub: 'company-app|cu-2002',
    })

    // Only the configured cookie ever reached the company app: not its other cookie, not ours.
    const calls = await companyAppCalls()
    expect(calls.cookieNames.length).toBeGreaterThanOrEqual(2)
    for (const names of calls.cookieNames) expect(names).toEqual(['company_session'])
  })

  test('signed out of the company app after the page was shown: nothing is sent, the sign-in link comes back', async ({
    page,
    loginPage,
  }) => {
    const request = await createLoginRequest()
    const loginUrl = loginUrlOn(bridge, request)
    await loginPage.open(loginUrl)
    await page.getByRole('link', { name: 'Sign in with Company app' }).click()
    await new CompanyAppPages(page).signIn(dana)
    await expect(loginPage.continueAs('Dana Scully')).toBeVisible()

    // The browser context's request API shares its cookies: this signs the person out there.
    expect((await page.request.post(`${COMPANY_APP_URL}/logout`, { maxRedirects: 0 })).status()).toBeLessThan(400)
    await loginPage.continueAs('Dana Scully').click()
    await expect(page).toHaveURL(loginUrl)
    await expect(page.getByRole('link', { name: 'Sign in with Company app' })).toBeVisible()
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
  })

  test('the company app failing: the page still offers its sign-in and says it did not answer', async ({ page, loginPage }) => {
    const request = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, request))
    await page.getByRole('link', { name: 'Sign in with Company app' }).click()
    await new CompanyAppPages(page).signIn(dana)
    await expect(loginPage.continueAs('Dana Scully')).toBeVisible()

    await setCompanyAppFault('http500')
    await page.reload()
    await expect(page.getByTestId('source-notice')).toHaveText(
      'Company app did not answer just now; if you are already signed in there, try reloading this page.',
    )
    await expect(loginPage.continueAs('Dana Scully')).toHaveCount(0)
    await expect(page.getByRole('button', { name: 'Sign in with Acme IdP' })).toBeVisible()
  })
})
