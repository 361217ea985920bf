import { test, expect } from './fixtures'
import { APP_URL, BRIDGE_PORT, DATABASE_URL } from './support/config'
import { startBridge, type RunningBridge } from './support/bridge'
import { startBalancer, type Balancer } from './support/balancer'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'
import { createUser } from './support/users'
import { partnerCallback } from './support/flows'

// Case 28: two `next start` processes share one PostgreSQL and the same secrets behind a balancer
// that sends each request wherever the test says. A login begun on one finishes on the other, a
// replay on the other is refused, and either instance's admin list shows both instances' logins.

const onPostgres = /^postgres(ql)?:\/\//.test(DATABASE_URL)

let first: RunningBridge
let second: RunningBridge
let balancer: Balancer

test.describe('two instances sharing one PostgreSQL (case 28)', () => {
  test.skip(
    !onPostgres,
    `several instances need a shared PostgreSQL; this run's database is ${DATABASE_URL} (the PostgreSQL run covers it)`,
  )

  test.beforeAll(async () => {
    const publicPort = BRIDGE_PORT + 9
    const publicUrl = `http://localhost:${publicPort}`
    ;[first, second] = await Promise.all([
      startBridge(BRIDGE_PORT + 7, { APP_URL: publicUrl }),
      startBridge(BRIDGE_PORT + 8, { APP_URL: publicUrl }),
    ])
    balancer = await startBalancer(publicPort, first.url)
  })

  test.afterAll(async () => {
    await balancer?.close()
    await Promise.all([first?.stop(), second?.stop()])
  })

  test('case 28: a login begun on one instance completes on the other; a replay there and back is refused', async ({ page, loginPage }) => {
    const user = await createUser({ prefix: 'twin' })
    const request = await createLoginRequest()
    const loginUrl = request.loginUrl.replace(APP_URL, balancer.url)

    balancer.route(first.url)
    await loginPage.open(loginUrl)
    balancer.route(second.url)
    await loginPage.signIn(user.email, user.password)
    await expect(page).toHaveURL(partnerCallback(request.state))
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()

    const login = balancer.served.filter((r) => r.path === '/login')
    expect(login.find((r) => r.method === 'GET')?.backend).toBe(first.url)
    // The sign-in is the last POST: the page first asks the instance it came from for passkey
    // autofill options (a server action of its own).
    expect(login.filter((r) => r.method === 'POST').at(-1)?.backend).toBe(second.url)
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', user_email: user.email })

    // The back button to the form, and a second completion on the first instance: "already used".
    balancer.route(first.url)
    await page.goto(loginUrl)
    await loginPage.expectProblem('already_used')
    expect((await page.request.get(page.url(), { maxRedirects: 0 })).status()).toBe(409)
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 1, status: 'callback_used' })
  })

  test("case 28: each instance's admin list shows the logins both instances finished", async ({ browser }) => {
    const user = await createUser({ prefix: 'twin-list' })
    const finished: string[] = []
    for (const instance of [first, second]) {
      const context = await browser.newContext()
      const page = await context.newPage()
      const request = await createLoginRequest()
      balancer.route(instance.url)
      await page.goto(request.loginUrl.replace(APP_URL, balancer.url))
      await page.getByLabel('Email').fill(user.email)
      await page.getByLabel('Password').fill(user.password)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
      finished.push(request.loginRequestId)
      await context.close()
    }

    const admin = await createUser({ admin: true, prefix: 'twin-admin' })
    for (const instance of [first, second]) {
      const context = await browser.newContext()
      const page = await context.newPage()
      balancer.route(instance.url)
      await page.goto(`${balancer.url}/admin/sign-in`)
      await page.getByLabel('Email').fill(admin.email)
      await page.getByLabel('Password').fill(admin.password)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await expect(page.getByTestId('admin-email')).toHaveText(admin.email)
      await page.goto(`${balancer.url}/admin?q=${encodeURIComponent(user.email)}`)
      for (const id of finished) await expect(page.getByRole('link', { name: id })).toBeVisible()
      await context.close()
    }
    expect(new Set(balancer.served.filter((r) => r.path === '/admin').map((r) => r.backend))).toEqual(new Set([first.url, second.url]))
  })
})
