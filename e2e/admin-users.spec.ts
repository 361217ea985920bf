import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { createUser, runUsersCli, type TestUser } from './support/users'

// The local directory in the admin area (/admin/users): an admin finds people by email or name and
// sees their status, groups, roles and factors; anyone else gets nothing.

async function signInAsAdmin(page: Page, admin: TestUser) {
  await page.goto('/admin/sign-in')
  await page.getByLabel('Email').fill(admin.email)
  await page.getByLabel('Password').fill(admin.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page.getByTestId('admin-email')).toHaveText(admin.email)
}

test.describe('the users of the local directory in the admin area', () => {
  test('an admin finds people by email or name, with their status, groups and roles, and pages stay searchable', async ({ page }) => {
    const admin = await createUser({ admin: true, prefix: 'users-admin' })
    const tag = `dir${Date.now().toString(36)}`
    const dana = await createUser({ prefix: `${tag}-dana`, name: `Dana ${tag}`, groups: ['finance', 'eng'], roles: ['editor'] })
    const eli = await createUser({ prefix: `${tag}-eli`, name: `Eli ${tag}` })
    const disabled = await runUsersCli(['disable', eli.email])
    expect(disabled.code).toBe(0)

    await signInAsAdmin(page, admin)
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Users' }).click()
    await expect(page).toHaveURL(/\/admin\/users$/)
    await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible()

    await page.getByLabel('Email or name contains').fill(tag.toUpperCase())
    await page.getByRole('button', { name: 'Search' }).click()
    await expect(page).toHaveURL(`/admin/users?q=${tag.toUpperCase()}`)
    const rows = page.getByTestId('user-row')
    await expect(rows).toHaveCount(2)
    await expect(rows.getByTestId('user-email')).toHaveText([dana.email, eli.email])
    await expect(rows.nth(0).getByTestId('user-status')).toHaveText('active')
    await expect(rows.nth(0).getByTestId('user-groups')).toHaveText('finance, eng')
    await expect(rows.nth(0).getByTestId('user-roles')).toHaveText('editor')
    await expect(rows.nth(1).getByTestId('user-status')).toHaveText('disabled')
    await expect(rows.nth(1).getByTestId('user-groups')).toHaveText('none')
    // What the search box kept is what was typed.
    await expect(page.getByLabel('Email or name contains')).toHaveValue(tag.toUpperCase())

    // By name only: "Dana <tag>" is not in her email.
    await page.goto(`/admin/users?q=${encodeURIComponent(`Dana ${tag}`)}`)
    await expect(page.getByTestId('user-email')).toHaveText([dana.email])

    await page.goto(`/admin/users?q=${encodeURIComponent(`${tag}-nobody`)}`)
    await expect(page.getByTestId('user-row')).toHaveCount(0)
    await expect(page.getByTestId('users-empty')).toHaveText(`No user's email or name contains "${tag}-nobody".`)

    // The page carries no password hash, whatever the argon2 prefix.
    expect(await page.content()).not.toContain('$argon2id$')
  })
})
