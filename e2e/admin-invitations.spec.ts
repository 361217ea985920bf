import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { APP_URL } from './support/config'
import { recordSecret } from './support/issued-secrets'
import { createLoginRequest } from './support/stand-in-api'
import { createUser } from './support/users'
import { auditRowsFor, expireInvitationsOf, invitationsOf, signInAsAdmin, userRow } from './support/admin'
import { LoginPage } from './pages/login-page'

// Adding a person by invitation: the admin gets a link and never a password; the person sets
// theirs with it once. A used or expired link ends on a page that says to ask for a new one.

const LINK = new RegExp(`^${APP_URL.replace(/[.]/g, '\\.')}/invite/[A-Za-z0-9_-]{43}$`)

async function invite(page: Page, email: string, fields: { name?: string; groups?: string; roles?: string } = {}): Promise<string> {
  await page.goto('/admin/users')
  await page.getByRole('link', { name: 'Add user' }).click()
  await expect(page).toHaveURL('/admin/users/new')
  await page.getByLabel('Email', { exact: true }).fill(email)
  await page.getByLabel('Name').fill(fields.name ?? '')
  await page.getByLabel('Groups (separated by commas)').fill(fields.groups ?? '')
  await page.getByLabel('Roles (separated by commas)').fill(fields.roles ?? '')
  // The suite's bridge has email on: this case is about the link the admin is shown (email-addresses.spec.ts sends it).
  await page.getByLabel('Send the invitation link by email').uncheck()
  await page.getByRole('button', { name: 'Add and create an invitation link' }).click()
  await expect(page.getByTestId('invite-outcome')).toContainText(`Added ${email}. Send them this link to set their password:`)
  const link = await page.getByLabel('Invitation link', { exact: true }).inputValue()
  expect(link).toMatch(LINK)
  recordSecret('invitation_link', link.split('/').at(-1)!)
  return link
}

const REFUSED = {
  used: {
    title: 'This invitation link was already used',
    message:
      'A password was already set with this link, and it works only once. If that was not you, or you need to set your password again, ask your administrator for a new link.',
  },
  expired: {
    title: 'This invitation link expired',
    message: 'This link no longer works: it expired, or a newer link was issued for you. Ask your administrator for a new link.',
  },
}

async function expectRefusedLink(page: Page, link: string, code: 'used' | 'expired') {
  const { title, message } = REFUSED[code]
  const direct = await page.request.get(link, { maxRedirects: 0 })
  expect(direct.status()).toBe(307)
  expect(direct.headers().location).toBe(`/invite/problem/${code}`)
  const problem = await page.request.get(`/invite/problem/${code}`, { maxRedirects: 0 })
  expect(problem.status()).toBe(410)
  expect(problem.headers()['cache-control']).toBe('no-store')
  await page.goto(link)
  await expect(page).toHaveURL(`/invite/problem/${code}`)
  await expect(page.getByRole('heading', { name: title })).toBeVisible()
  await expect(page.getByTestId('invitation-problem')).toHaveText(message)
}

test.describe('adding a user by invitation', () => {
  test('case 46: the link sets the password once, the person signs in with it, and a second use is refused with 410', async ({
    page,
    browser,
  }) => {
    const admin = await createUser({ admin: true, prefix: 'inv-admin' })
    const email = `inv-new-${Date.now().toString(36)}@example.test`
    await signInAsAdmin(page, admin)
    const link = await invite(page, email, { name: 'Nia New', groups: 'finance, eng', roles: 'viewer' })
    // Adding the same email again is refused next to the form, which keeps what was typed.
    await page.getByLabel('Email', { exact: true }).fill(email)
    await page.getByLabel('Name').fill('Someone Else')
    await page.getByRole('button', { name: 'Add and create an invitation link' }).click()
    await expect(page.getByTestId('invite-outcome')).toHaveText(`A user with the email ${email} already exists.`)
    await expect(page.getByLabel('Email', { exact: true })).toHaveValue(email)
    await expect(page.getByLabel('Name')).toHaveValue('Someone Else')

    const added = await userRow(email)
    expect(added).toMatchObject({ name: 'Nia New', password_hash: '', groups: '["finance","eng"]', roles: '["viewer"]', is_admin: 0 })
    await page.goto(`/admin/users?q=${encodeURIComponent(email)}`)
    await expect(page.getByTestId('user-status')).toHaveText('invited')
    await expect(page.getByTestId('user-factors')).toHaveText('none yet')
    await expect(page.getByTestId('user-last-sign-in')).toHaveText('never')

    // The person, in a browser of their own.
    const theirs = await browser.newContext()
    const invited = await theirs.newPage()
    const shown = await invited.goto(link)
    expect(shown?.status()).toBe(200)
    expect(shown?.headers()['cache-control']).toBe('no-store')
    expect(shown?.headers()['referrer-policy']).toBe('no-referrer')
    await expect(invited.getByTestId('invited-email')).toHaveText(email)
    await invited.getByLabel('New password').fill('a long password')
    await invited.getByLabel('The same password again').fill('another password')
    await invited.getByRole('button', { name: 'Set my password' }).click()
    await expect(invited.getByTestId('form-message')).toHaveText('The two passwords are not the same.')
    await invited.getByLabel('New password').fill('short')
    await invited.getByLabel('The same password again').fill('short')
    await invited.getByRole('button', { name: 'Set my password' }).click()
    await expect(invited.getByTestId('form-message')).toHaveText('Passwords need at least 8 characters.')
    const password = `pw-${Date.now().toString(36)}-invited`
    recordSecret('password', password)
    await invited.getByLabel('New password').fill(password)
    await invited.getByLabel('The same password again').fill(password)
    await invited.getByRole('button', { name: 'Set my password' }).click()
    await expect(invited.getByTestId('password-set')).toHaveText(
      `Your password is set. Sign in as ${email} where you were asked to sign in; this link no longer works.`,
    )
    expect((await userRow(email)).password_hash).toMatch(/^\$argon2id\$/)

    await expectRefusedLink(invited, link, 'used')
    await new LoginPage(invited).signInThrough(await createLoginRequest(), { email, password })
    await theirs.close()
    // The sign-in shows in the list, to the second, as the users table has it: in the admin's
    // language (the browser's en-US) and the display time zone (UTC unless DISPLAY_TIME_ZONE says otherwise).
    const signedIn = (await userRow(email)).last_sign_in_at
    expect(signedIn).not.toBeNull()
    await page.goto(`/admin/users?q=${encodeURIComponent(email)}`)
    const lastSignIn = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(signedIn!)
    await expect(page.getByTestId('user-last-sign-in')).toHaveText(lastSignIn)

    const [invitation] = await invitationsOf(email)
    expect(invitation!.expires_at - invitation!.created_at).toBe(72 * 3600_000)
    expect(invitation!.used_at).not.toBeNull()
    expect(await auditRowsFor(email)).toEqual([
      {
        actor: admin.email,
        action: 'user.invite',
        target: email,
        ip: '127.0.0.1',
        detail: JSON.stringify({ is_admin: false, groups: ['finance', 'eng'], roles: ['viewer'], expires_at: invitation!.expires_at }),
      },
      { actor: email, action: 'invitation.accepted', target: email, ip: '127.0.0.1', detail: null },
    ])

    const unknown = await page.request.get(`/invite/${'A'.repeat(43)}`, { maxRedirects: 0 })
    expect(unknown.headers().location).toBe('/invite/problem/unknown')
    expect((await page.request.get('/invite/problem/unknown', { maxRedirects: 0 })).status()).toBe(404)
  })

  test('case 46: an expired link is refused with 410; a new link works and ends the one before it', async ({ page }) => {
    const admin = await createUser({ admin: true, prefix: 'inv-exp-admin' })
    const email = `inv-exp-${Date.now().toString(36)}@example.test`
    await signInAsAdmin(page, admin)
    const first = await invite(page, email)
    await expireInvitationsOf(email)
    await expectRefusedLink(page, first, 'expired')

    const { id } = await userRow(email)
    await page.goto(`/admin/users/${id}`)
    await expect(page.getByTestId('detail-invitation')).toHaveText('none open')
    const reissue = async () => {
      await page.getByRole('button', { name: 'New invitation link' }).click()
      await expect(page.getByTestId('reissue-outcome')).toContainText(`A new link for ${email}; earlier links no longer work:`)
      const link = await page.getByTestId('reissue-outcome').getByLabel('Invitation link', { exact: true }).inputValue()
      expect(link).toMatch(LINK)
      recordSecret('invitation_link', link.split('/').at(-1)!)
      return link
    }
    const second = await reissue()
    await page.reload()
    const third = await reissue()
    expect(third).not.toBe(second)
    await expectRefusedLink(page, second, 'expired')
    // A form posted to the link from another site changes nothing.
    const crossSite = await page.request.post(third, {
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      form: { password: 'a long password', confirmation: 'a long password' },
      maxRedirects: 0,
    })
    expect(crossSite.status()).toBe(403)
    const open = await page.request.get(third, { maxRedirects: 0 })
    expect(open.status()).toBe(200)
    expect(await open.text()).toContain('Set your password')

    const rows = await auditRowsFor(email)
    expect(rows.map(({ actor, action, target }) => ({ actor, action, target }))).toEqual(
      Array.from({ length: 3 }, () => ({ actor: admin.email, action: 'user.invite', target: email })),
    )
    expect(JSON.parse(rows[2]!.detail!)).toMatchObject({ again: true })
  })
})
