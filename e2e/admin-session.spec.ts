import { test, expect } from './fixtures'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { createUser } from './support/users'

// The bridge's admin right is its own: it never reaches an MCP server's access token, and a
// sign-in made for the admin area is never offered to complete a login request.

test.describe('the admin right stays in the admin area', () => {
  test('case 34: an admin-area sign-in is not offered as "Continue as", and an admin signs in without roles: ["admin"]', async ({
    page,
    loginPage,
  }) => {
    const admin = await createUser({ admin: true, prefix: 'admin-session' })
    await page.goto('/admin/sign-in')
    await page.getByLabel('Email').fill(admin.email)
    await page.getByLabel('Password').fill(admin.password)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(page).toHaveURL(/\/admin$/)

    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    await expect(loginPage.continueAs(admin.name)).toHaveCount(0)
    await expect(loginPage.email).toBeVisible()

    await loginPage.signIn(admin.email, admin.password)
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
    const received = await readLoginRequest(request.loginRequestId)
    expect(received?.user).toMatchObject({ email: admin.email, name: admin.name })
    expect(received?.user?.roles).toEqual([])

    // Signed in through a login request, the same person is offered "Continue as" in the next one.
    const next = await createLoginRequest()
    await loginPage.open(next.loginUrl)
    await expect(loginPage.continueAs(admin.name)).toBeVisible()
  })
})
