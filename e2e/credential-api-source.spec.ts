import { test, expect } from './fixtures'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerEvents, ledgerRow } from './support/ledger'
import { asReceivedByScalekit, partnerCallback, statusOfCurrentPage, watchPartnerCallbacks } from './support/flows'
import { CREDENTIAL_API_BRIDGE_URL, loginUrlOn } from './support/sources'
import { companyApiCalls, setCompanyApiFault } from './support/upstreams-api'
import { COMPANY_API_USERS } from './upstreams/company-api'
import { COMPANY_API_SECRET, COMPANY_API_SECRET_HEADER } from './upstreams/options'

// The "http" identity source: the company's own credential check, called with a shared secret.
// The bridge on CREDENTIAL_API_BRIDGE_URL has this one source, so subjects stay as the API gives them.

const bridge = CREDENTIAL_API_BRIDGE_URL
const casey = COMPANY_API_USERS.casey

test.describe("the company's credential API (http source)", () => {
  test('accepts the credentials and sends the mapped profile to Scalekit', async ({ page, loginPage }) => {
    const request = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, request))
    await expect(page.getByRole('button', { name: /^Sign in with/ })).toHaveCount(0)

    const callbacks = watchPartnerCallbacks(page)
    await loginPage.signIn(casey.email, casey.password)
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
    expect(callbacks).toEqual([partnerCallback(request.state)])

    const claims = {
      sub: 'emp-1001',
      email: 'casey@company.test',
      emailVerified: true,
      name: 'Casey Jones',
      givenName: 'Casey',
      familyName: 'Jones',
      groups: ['support', 'mcp-users'],
      organizationExternalId: 'org_company',
      organizationExternalName: 'Company Inc',
      // The API said nothing of how: the bridge took a password (amr pwd).
      customAttributes: { department: 'Support', costCenter: 'CC-42', amr: ['pwd'] },
    }
    expect((await readLoginRequest(request.loginRequestId))?.user).toEqual(asReceivedByScalekit(claims))
    const row = await ledgerRow(request.loginRequestId)
    expect(row).toMatchObject({ status: 'completed', identity_source: 'corp', user_sub: 'emp-1001', auth_methods: 'pwd' })
    expect(JSON.parse(row!.claims!)).toEqual(claims)

    const calls = await companyApiCalls()
    expect(calls.count).toBe(1)
    expect(calls.last?.email).toBe(casey.email)
    expect(calls.last?.headers[COMPANY_API_SECRET_HEADER]).toBe(COMPANY_API_SECRET)
  })

  test('a refusal keeps the person on the form with the email they typed; nothing sent; the reason recorded', async ({
    page,
    loginPage,
  }) => {
    const request = await createLoginRequest()
    await loginPage.open(loginUrlOn(bridge, request))
    await loginPage.signIn(casey.email, 'not-the-password')
    await expect(loginPage.formMessage).toHaveText('The email or password is incorrect.')
    await expect(loginPage.email).toHaveValue(casey.email)
    expect(page.url()).toBe(loginUrlOn(bridge, request))
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'credentials_refused' })
    expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'sign_in_failed'])

    // The same request still completes with the right password.
    await loginPage.signIn(casey.email, casey.password)
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
  })

  const faults = [
    { fault: 'slow', problem: 'source_timeout', status: 504, message: 'no answer within 1500 ms' },
    { fault: 'http500', problem: 'source_unavailable', status: 503, message: 'HTTP 500' },
    { fault: 'malformed', problem: 'source_invalid_response', status: 502, message: 'HTTP 200 with a body that is not JSON' },
  ] as const
  for (const { fault, problem, status, message } of faults) {
    test(`the API fails (${fault}): a ${status} page, nothing sent to Scalekit, the reason in the ledger`, async ({ page, loginPage }) => {
      await setCompanyApiFault(fault, fault === 'slow' ? 4000 : undefined)
      const request = await createLoginRequest()
      await loginPage.open(loginUrlOn(bridge, request))
      await loginPage.signIn(casey.email, casey.password)

      await loginPage.expectProblem(problem)
      expect(await statusOfCurrentPage(page)).toBe(status)
      expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: problem, error_message: message })
      await expect(page.getByRole('link', { name: 'Try again' })).toHaveAttribute(
        'href',
        `/login?${new URLSearchParams({ login_request_id: request.loginRequestId, state: request.state })}`,
      )
    })
  }
})
