import http from 'node:http'
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { createLoginRequest, readLoginRequest, setFault } from './support/stand-in-api'
import { createUser, type TestUser } from './support/users'
import { seedOldLoginRequest } from './support/ledger'
import { MCP_URL } from './support/config'
import { startMcpClientLogin } from './stand-in/mcp-test-client'
import { IdpPages } from './pages/upstream-pages'
import { SOURCES_BRIDGE_URL } from './support/sources'
import { IDP_USERS } from './upstreams/idp'

// The admin area: who may see the ledger, and whether an admin can answer "who signed in to which
// MCP login, when, from where, with which claims, and why did this one fail".

async function signInAsAdmin(page: Page, user: TestUser) {
  await page.goto('/admin/sign-in')
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page).toHaveURL(/\/admin$/)
  await expect(page.getByTestId('admin-email')).toHaveText(user.email)
}

function today(): string {
  return new Date().toISOString().slice(0, 10)
}

/** One MCP client login through Scalekit to /login, as `user`; returns its login request id. */
async function mcpClientLogin(page: Page, user: TestUser): Promise<string> {
  const server = http.createServer((_req, res) => res.writeHead(200).end('Return to your MCP client.'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const redirectUrl = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/oauth/callback`
  const client = await startMcpClientLogin({ mcpUrl: MCP_URL, redirectUrl })
  try {
    await page.goto(client.authorizationUrl)
    const loginRequestId = new URL(page.url()).searchParams.get('login_request_id')!
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForURL(`${redirectUrl}?**`)
    return loginRequestId
  } finally {
    await client.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

test.describe('the admin area', () => {
  test('an admin finds an MCP-client login, filters to it and sees its claims and authRequestId', async ({ browser, page, user }) => {
    const loginRequestId = await mcpClientLogin(page, user)
    const received = await readLoginRequest(loginRequestId)
    expect(received?.authRequestId).toBeTruthy()

    const admin = await createUser({ admin: true, prefix: 'admin' })
    const adminPage = await (await browser.newContext()).newPage()
    await signInAsAdmin(adminPage, admin)
    await expect(adminPage.getByRole('link', { name: loginRequestId })).toBeVisible()

    // Filters live in the URL.
    await adminPage.getByLabel('Search', { exact: true }).fill(user.email)
    await adminPage.getByLabel('Status', { exact: true }).selectOption('completed')
    await adminPage.getByLabel('Identity source').selectOption('local')
    await adminPage.getByLabel('From (UTC)').fill(today())
    await adminPage.getByLabel('To (UTC, included)').fill(today())
    await adminPage.getByRole('button', { name: 'Apply filters' }).click()
    const url = new URL(adminPage.url())
    expect(Object.fromEntries(url.searchParams)).toEqual({
      q: user.email,
      status: 'completed',
      source: 'local',
      from: today(),
      to: today(),
    })
    await expect(adminPage.getByTestId('ledger-row')).toHaveCount(1)
    await expect(adminPage.getByTestId('count-completed')).toContainText('1')

    // The same view opened from the shared address shows the same row.
    const shared = await (await browser.newContext()).newPage()
    await signInAsAdmin(shared, admin)
    await shared.goto(url.toString())
    await expect(shared.getByTestId('ledger-row')).toHaveCount(1)

    await adminPage.getByRole('link', { name: loginRequestId }).click()
    await expect(adminPage.getByTestId('auth-request-id')).toHaveText(received!.authRequestId!)
    await expect(adminPage.getByTestId('auth-methods')).toHaveText('pwd (password)')
    const claims = JSON.parse((await adminPage.getByTestId('claims').textContent())!)
    expect(claims).toEqual({
      sub: received?.user?.sub,
      email: user.email,
      emailVerified: false,
      name: user.name,
      customAttributes: { amr: ['pwd'] },
    })
    await expect(adminPage.getByTestId('ledger-event')).toHaveCount(4)
  })

  test('a failed login shows its reason, and the export holds exactly the rows of the filter', async ({ browser, page, loginPage }) => {
    const person = await createUser({ prefix: 'failing' })
    const failed = await createLoginRequest()
    await loginPage.open(failed.loginUrl)
    await setFault('invalid_argument')
    await loginPage.signIn(person.email, person.password)
    await loginPage.expectProblem('scalekit_rejected_user')
    await setFault('none')
    const completed = await createLoginRequest()
    await loginPage.open(completed.loginUrl)
    await loginPage.continueAs(person.name).click()
    await expect(page.getByText(`login request ${completed.loginRequestId} completed`)).toBeVisible()

    const admin = await createUser({ admin: true, prefix: 'admin' })
    const adminPage = await (await browser.newContext()).newPage()
    await signInAsAdmin(adminPage, admin)
    await adminPage.goto(`/admin?q=${encodeURIComponent(person.email)}&status=failed`)
    await expect(adminPage.getByTestId('ledger-row')).toHaveCount(1)
    await adminPage.getByRole('link', { name: failed.loginRequestId }).click()
    await expect(adminPage.getByTestId('failure-reason')).toHaveText(
      /^scalekit_rejected_user: InvalidArgument: fault injected: invalid argument/,
    )
    await expect(adminPage.getByText('Nothing was sent to Scalekit for this login.')).toBeVisible()

    const csv = await adminPage.request.get(`/admin/export?format=csv&q=${encodeURIComponent(person.email)}`)
    expect(csv.status()).toBe(200)
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8')
    expect(csv.headers()['content-disposition']).toMatch(/^attachment; filename="federated-logins-.*\.csv"$/)
    const lines = (await csv.text()).trimEnd().split('\r\n')
    expect(lines[0]).toBe(
      'login_request_id,status,server,created_at,signed_in_at,submitted_at,finished_at,identity_source,user_email,user_sub,auth_request_id,error_code,error_message,ip,user_agent,claims,auth_methods',
    )
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 2))).toEqual([
      [`"${completed.loginRequestId}"`, '"completed"'],
      [`"${failed.loginRequestId}"`, '"failed"'],
    ])

    // The list shows the last 7 days, but a search looks through the whole ledger; a request
    // nobody finished shows as expired.
    const old = `lri_old${Date.now()}`
    await seedOldLoginRequest(old, 20 * 24 * 60 * 60 * 1000)
    await adminPage.goto(`/admin?q=${old}`)
    await expect(adminPage.getByTestId('ledger-row')).toHaveCount(1)
    await expect(adminPage.getByTestId('ledger-row')).toContainText('expired')

    await adminPage.goto('/admin?q=nobody%40nowhere.test')
    await expect(adminPage.getByTestId('empty-state')).toContainText('No federated logins match these filters.')

    const jsonl = await adminPage.request.get(`/admin/export?format=jsonl&q=${encodeURIComponent(person.email)}&status=failed`)
    const rows = (await jsonl.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      login_request_id: failed.loginRequestId,
      status: 'failed',
      server: 'default',
      user_email: person.email,
      error_code: 'scalekit_rejected_user',
    })
  })

  test('case 18: a signed-out visitor is sent to sign in; x-middleware-subrequest changes nothing', async ({ page }) => {
    const variants: Array<Record<string, string>> = [
      {},
      { 'x-middleware-subrequest': 'proxy:proxy:proxy:proxy:proxy' },
      { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' },
    ]
    for (const headers of variants) {
      for (const path of ['/admin', '/admin/logins/lri_anything', '/admin/export?format=csv', '/admin/users']) {
        const response = await page.request.get(path, { headers, maxRedirects: 0 })
        expect([303, 307]).toContain(response.status())
        expect(new URL(response.headers().location!, 'http://localhost').pathname).toBe('/admin/sign-in')
      }
    }
    await page.goto('/admin')
    await expect(page).toHaveURL(/\/admin\/sign-in$/)
  })

  test('case 18: a signed-in non-admin gets a 403 page, with or without x-middleware-subrequest', async ({ page, user }) => {
    await page.goto('/admin/sign-in')
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(page.getByTestId('forbidden')).toBeVisible()
    const variants: Array<Record<string, string>> = [{}, { 'x-middleware-subrequest': 'proxy:proxy:proxy:proxy:proxy' }]
    for (const headers of variants) {
      for (const path of ['/admin', '/admin/logins/lri_anything', '/admin/export?format=csv', '/admin/users?q=%40']) {
        const response = await page.request.get(path, { headers, maxRedirects: 0 })
        expect(response.status()).toBe(403)
        const body = await response.text()
        expect(body).not.toContain('login_request_id')
        expect(body).not.toContain('data-testid="user-row"')
      }
    }
  })

  test('ADMIN_EMAILS admits an IdP user only with an email the IdP verified', async ({ page, browser }) => {
    await page.goto(`${SOURCES_BRIDGE_URL}/admin/sign-in`)
    await page.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
    await new IdpPages(page).signIn(IDP_USERS.ada)
    await new IdpPages(page).allow()
    await expect(page).toHaveURL(`${SOURCES_BRIDGE_URL}/admin`)
    await expect(page.getByTestId('admin-email')).toHaveText('ada@acme.test')

    // grace@acme.test is in ADMIN_EMAILS too, but the IdP says her address is not verified.
    const other = await (await browser.newContext()).newPage()
    await other.goto(`${SOURCES_BRIDGE_URL}/admin/sign-in`)
    await other.getByRole('button', { name: 'Sign in with Acme IdP' }).click()
    await new IdpPages(other).signIn(IDP_USERS.grace)
    await new IdpPages(other).allow()
    await expect(other.getByTestId('forbidden')).toBeVisible()
    expect((await other.request.get(`${SOURCES_BRIDGE_URL}/admin`, { maxRedirects: 0 })).status()).toBe(403)
  })
})
