import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { CompanyAppPages, IdpPages } from './pages/upstream-pages'
import { acmeSource, SOURCES_BRIDGE_URL, SPARE_BRIDGE_PORT, sourcesEnv } from './support/sources'
import { withBridge } from './support/bridge'
import { bringIdpUp, companyAppCalls, setCompanyAppFault, takeIdpDown } from './support/upstreams-api'
import { COMPANY_APP_USERS } from './upstreams/company-app'
import { IDP_USERS } from './upstreams/idp'
import { COMPANY_APP_URL } from './upstreams/options'

// The admin sign-in of the bridge with several sources (local, the Acme IdP, the company app's
// session), whose ADMIN_EMAILS names Walter of the company app and Ada of the IdP: every source
// signs administrators in, and a failure of one ends on the admin area's own page, never on the
// page of a login request.

const bridge = SOURCES_BRIDGE_URL
const signInUrl = `${bridge}/admin/sign-in`
const { walter, dana } = COMPANY_APP_USERS

async function openAdminSignIn(page: Page) {
  await page.goto(signInUrl)
  await expect(page.getByRole('heading', { name: 'Admin sign-in' })).toBeVisible()
}

/** From the admin sign-in to the company app's sign-in and back, signed in there as `user`. */
async function signInToCompanyApp(page: Page, user: { email: string; password: string }) {
  await openAdminSignIn(page)
  const link = page.getByRole('link', { name: 'Sign in with Company app', exact: true })
  await expect(link).toHaveAttribute('href', `${COMPANY_APP_URL}/login?return_to=${encodeURIComponent(signInUrl)}`)
  await link.click()
  await new CompanyAppPages(page).signIn(user)
  await expect(page).toHaveURL(signInUrl)
}

function continueAs(page: Page, name: string) {
  return page.getByRole('button', { name: `Continue as ${name}`, exact: true })
}

async function statusOf(page: Page): Promise<number> {
  return (await page.request.get(page.url(), { maxRedirects: 0 })).status()
}

/** Whether this browser has an admin session: /admin sends anyone else to sign in. */
async function expectNoAdminSession(page: Page) {
  const response = await page.request.get(`${bridge}/admin`, { maxRedirects: 0 })
  expect([303, 307]).toContain(response.status())
  expect(new URL(response.headers().location!, bridge).pathname).toBe('/admin/sign-in')
}

test.describe("the admin sign-in through the company app's session (session source)", () => {
  test('an administrator signs in at the company app, comes back and continues as themselves into /admin', async ({ page }) => {
    await signInToCompanyApp(page, walter)
    await expect(page.getByText('signed in to Company app')).toBeVisible()
    await continueAs(page, 'Walter Skinner').click()
    await expect(page).toHaveURL(`${bridge}/admin`)
    await expect(page.getByTestId('admin-email')).toHaveText('walter@company.test')

    // Only the configured cookie ever reached the company app, from the page and from the click.
    const calls = await companyAppCalls()
    expect(calls.cookieNames.length).toBeGreaterThanOrEqual(2)
    for (const names of calls.cookieNames) expect(names).toEqual(['company_session'])
  })

  test('someone the company app knows who is not an administrator gets the 403 page and no admin session', async ({ page }) => {
    await signInToCompanyApp(page, dana)
    await continueAs(page, 'Dana Scully').click()
    await expect(page.getByTestId('forbidden')).toBeVisible()
    await expect(page).toHaveURL(`${bridge}/admin/problem/not_admin`)
    expect(await statusOf(page)).toBe(403)
    await expect(page.getByRole('link', { name: 'Sign in with another account' })).toHaveAttribute('href', '/admin/sign-in')
    await expectNoAdminSession(page)
  })

  test('signed out of the company app after the page was shown: no admin session, the sign-in link comes back', async ({ page }) => {
    await signInToCompanyApp(page, walter)
    await expect(continueAs(page, 'Walter Skinner')).toBeVisible()
    // The browser context's request API shares its cookies: this signs the person out there.
    expect((await page.request.post(`${COMPANY_APP_URL}/logout`, { maxRedirects: 0 })).status()).toBeLessThan(400)
    await continueAs(page, 'Walter Skinner').click()
    await expect(page).toHaveURL(signInUrl)
    await expect(page.getByRole('link', { name: 'Sign in with Company app', exact: true })).toBeVisible()
    await expectNoAdminSession(page)
  })

  test('the company app failing at the click: the admin area says so with a 503 and Try again', async ({ page }) => {
    await signInToCompanyApp(page, walter)
    await expect(continueAs(page, 'Walter Skinner')).toBeVisible()
    await setCompanyAppFault('http500')
    await continueAs(page, 'Walter Skinner').click()

    await expect(page).toHaveURL(`${bridge}/admin/problem/source_unavailable`)
    await expect(page.getByTestId('problem-code')).toHaveText('source_unavailable')
    expect(await statusOf(page)).toBe(503)
    await expect(page.getByText('MCP client')).toHaveCount(0)
    await expectNoAdminSession(page)

    await setCompanyAppFault('none')
    await page.getByRole('link', { name: 'Try again' }).click()
    await expect(page).toHaveURL(signInUrl)
    await continueAs(page, 'Walter Skinner').click()
    await expect(page.getByTestId('admin-email')).toHaveText('walter@company.test')
  })

  test('a "Continue as" posted from another site is refused and makes no admin session', async ({ page }) => {
    await signInToCompanyApp(page, walter)
    for (const headers of <Array<Record<string, string>>>[
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
    ]) {
      const response = await page.request.post(signInUrl, { headers, form: { source: 'company-app' }, maxRedirects: 0 })
      expect(response.status(), JSON.stringify(headers)).toBe(403)
    }
    await expectNoAdminSession(page)
  })
})

test.describe('an IdP failure during the admin sign-in', () => {
  test("the person denies at the IdP: the admin area's 403 page with its headers, and Try again back to the admin sign-in", async ({
    page,
  }) => {
    await openAdminSignIn(page)
    await page.getByRole('button', { name: 'Sign in with Acme IdP', exact: true }).click()
    const idp = new IdpPages(page)
    await idp.signIn(IDP_USERS.ada)
    await idp.deny()

    await expect(page).toHaveURL(`${bridge}/admin/problem/idp_denied`)
    await expect(page.getByRole('heading', { name: 'Access was not allowed' })).toBeVisible()
    await expect(page.getByTestId('problem-code')).toHaveText('idp_denied')
    await expect(page.getByText('MCP client')).toHaveCount(0)
    const response = await page.request.get(page.url(), { maxRedirects: 0 })
    expect(response.status()).toBe(403)
    expect(response.headers()['x-frame-options']).toBe('DENY')
    expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(response.headers()['referrer-policy']).toBe('no-referrer')
    expect(response.headers()['x-content-type-options']).toBe('nosniff')
    await expectNoAdminSession(page)

    const tryAgain = page.getByRole('link', { name: 'Try again' })
    await expect(tryAgain).toHaveAttribute('href', '/admin/sign-in')
    await tryAgain.click()
    await expect(page).toHaveURL(signInUrl)
    await expect(page.getByRole('button', { name: 'Sign in with Acme IdP', exact: true })).toBeVisible()
  })

  // On a bridge that has not read the IdP's discovery document yet: once it has, the authorization
  // URL comes from its cache, and an IdP that went down after that is met by the browser itself.
  test("the IdP is down when the admin leaves for it: the admin area's 503 page, then Try again signs in", async ({ page }) => {
    const spare = `http://localhost:${SPARE_BRIDGE_PORT}`
    await withBridge(SPARE_BRIDGE_PORT, sourcesEnv(spare, [acmeSource], { ADMIN_EMAILS: 'ada@acme.test' }), async () => {
      await page.goto(`${spare}/admin/sign-in`)
      await takeIdpDown()
      await page.getByRole('button', { name: 'Sign in with Acme IdP', exact: true }).click()
      await expect(page).toHaveURL(`${spare}/admin/problem/source_unavailable`)
      await expect(page.getByTestId('problem-code')).toHaveText('source_unavailable')
      expect(await statusOf(page)).toBe(503)

      await bringIdpUp()
      await page.getByRole('link', { name: 'Try again' }).click()
      await page.getByRole('button', { name: 'Sign in with Acme IdP', exact: true }).click()
      await new IdpPages(page).signIn(IDP_USERS.ada)
      await new IdpPages(page).allow()
      await expect(page).toHaveURL(`${spare}/admin`)
      await expect(page.getByTestId('admin-email')).toHaveText('ada@acme.test')
    })
  })

  test('an admin problem page that does not exist answers 404', async ({ page }) => {
    expect((await page.request.get(`${bridge}/admin/problem/expired`, { maxRedirects: 0 })).status()).toBe(404)
    expect((await page.request.get(`${bridge}/admin/problem/toString`, { maxRedirects: 0 })).status()).toBe(404)
  })
})
