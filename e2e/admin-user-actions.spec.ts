import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { APP_URL } from './support/config'
import { createLoginRequest } from './support/stand-in-api'
import { createUser } from './support/users'
import { auditRowCount, auditRowsFor, captureAction, factorRows, giveFactors, replayAction, signInAsAdmin, userRow } from './support/admin'
import { LoginPage } from './pages/login-page'

// What an admin does to a user of the local directory from /admin/users/{id}, each change read
// back from the page, the users table and the admin audit log; and who may not do it.

async function openUserPage(page: Page, email: string) {
  await page.goto(`/admin/users?q=${encodeURIComponent(email)}`)
  await page.getByTestId('user-email').filter({ hasText: email }).click()
  const { id } = await userRow(email)
  await expect(page).toHaveURL(`/admin/users/${id}`)
  await expect(page.getByTestId('detail-email')).toHaveText(email)
  return id
}

const outcome = (page: Page, testId: string) => page.getByTestId(testId)

test.describe('admin actions on a user', () => {
  test('disable, enable, reset second factors, set groups and roles: the page, the row and the audit log', async ({ page }) => {
    const admin = await createUser({ admin: true, prefix: 'act-admin' })
    const person = await createUser({ prefix: 'act-person', groups: ['eng'] })
    await giveFactors(person.email)
    await signInAsAdmin(page, admin)
    const id = await openUserPage(page, person.email)
    await expect(page.getByTestId('detail-status')).toHaveText('active')
    await expect(page.getByTestId('detail-factors')).toHaveText('password, authenticator, 1 passkey, 2 recovery codes')
    await expect(page.getByTestId('detail-last-sign-in')).toHaveText('never')

    await page.getByRole('button', { name: 'Disable' }).click()
    await expect(outcome(page, 'status-outcome')).toHaveText(`Disabled ${person.email} and signed them out everywhere.`)
    await expect(page.getByTestId('detail-status')).toHaveText('disabled')
    const disabled = await userRow(person.email)
    expect(disabled.disabled).toBe(1)
    expect(disabled.sessions_revoked_at).toBeGreaterThan(0)

    await page.getByRole('button', { name: 'Enable' }).click()
    await expect(outcome(page, 'status-outcome')).toHaveText(`Enabled ${person.email}.`)
    await expect(page.getByTestId('detail-status')).toHaveText('active')
    expect((await userRow(person.email)).disabled).toBe(0)

    await page.getByRole('button', { name: 'Reset second factors' }).click()
    await expect(outcome(page, 'reset-outcome')).toHaveText(`Removed the second factors of ${person.email}.`)
    await expect(page.getByTestId('detail-factors')).toHaveText('password')
    expect(await factorRows(id)).toEqual({ totp: 0, codes: 0, passkeys: 0 })

    // A bad name is refused next to the form, which keeps what was typed.
    const groups = page.getByLabel('Groups (separated by commas)')
    const long = 'x'.repeat(65)
    await groups.fill(`ops, ${long}`)
    await page.getByRole('button', { name: 'Save groups' }).click()
    await expect(outcome(page, 'groups-outcome')).toHaveText(`The group name "${long}" must be at most 64 characters.`)
    await expect(groups).toHaveValue(`ops, ${long}`)
    expect((await userRow(person.email)).groups).toBe('["eng"]')
    await groups.fill('ops, on call, ops')
    await page.getByRole('button', { name: 'Save groups' }).click()
    await expect(outcome(page, 'groups-outcome')).toHaveText('Saved the groups: ops, on call.')
    await expect(groups).toHaveValue('ops, on call')
    await page.getByLabel('Roles (separated by commas)').fill('viewer')
    await page.getByRole('button', { name: 'Save roles' }).click()
    await expect(outcome(page, 'roles-outcome')).toHaveText('Saved the roles: viewer.')
    expect(await userRow(person.email)).toMatchObject({ groups: '["ops","on call"]', roles: '["viewer"]' })
    await page.getByLabel('Roles (separated by commas)').fill('')
    await page.getByRole('button', { name: 'Save roles' }).click()
    await expect(outcome(page, 'roles-outcome')).toHaveText('Cleared the roles.')
    expect((await userRow(person.email)).roles).toBe('[]')

    const rows = await auditRowsFor(person.email)
    const by = { actor: admin.email, target: person.email, ip: '127.0.0.1' }
    expect(rows.slice(1)).toEqual([
      { ...by, action: 'user.disable', detail: JSON.stringify({ disabled: true, sessions_revoked_at: disabled.sessions_revoked_at }) },
      { ...by, action: 'user.enable', detail: '{"disabled":false}' },
      { ...by, action: 'user.reset_factors', detail: '{"authenticators":1,"recovery_codes":2,"passkeys":1}' },
      { ...by, action: 'user.set_groups', detail: '{"before":["eng"],"after":["ops","on call"]}' },
      { ...by, action: 'user.set_roles', detail: '{"before":[],"after":["viewer"]}' },
      { ...by, action: 'user.set_roles', detail: '{"before":["viewer"],"after":[]}' },
    ])
    expect(rows[0]).toMatchObject({ action: 'user.add', target: person.email, ip: null })
    expect(rows[0]!.actor).toMatch(/^cli:/)

    // The same rows on the user page, the full log and the admin home, newest first.
    await page.reload()
    await expect(page.getByTestId('audit-action')).toHaveText([
      'user.set_roles',
      'user.set_roles',
      'user.set_groups',
      'user.reset_factors',
      'user.enable',
      'user.disable',
      'user.add',
    ])
    await page.goto('/admin/audit')
    const first = page.getByTestId('audit-row').first()
    await expect(first.getByTestId('audit-actor')).toHaveText(admin.email)
    await expect(first.getByTestId('audit-action')).toHaveText('user.set_roles')
    await expect(first.getByTestId('audit-target')).toHaveText(person.email)
    await page.goto('/admin')
    await expect(page.getByRole('region', { name: 'Latest admin actions' }).getByTestId('audit-target').first()).toHaveText(person.email)
  })

  test('case 46: an admin cannot disable themselves; the audit log downloads as CSV with formulas made inert', async ({ page }) => {
    const admin = await createUser({ admin: true, prefix: 'act-self' })
    const person = await createUser({ prefix: '=calc' })
    await signInAsAdmin(page, admin)
    await openUserPage(page, admin.email)
    await expect(page.getByRole('button', { name: 'Disable' })).toHaveCount(0)
    await expect(page.getByText('You cannot disable your own account.')).toBeVisible()
    await openUserPage(page, person.email)
    await page.getByLabel('Groups (separated by commas)').fill('@SUM(1)')
    await page.getByRole('button', { name: 'Save groups' }).click()
    await expect(outcome(page, 'groups-outcome')).toHaveText('Saved the groups: @SUM(1).')

    const csv = await page.request.get('/admin/audit/export', { maxRedirects: 0 })
    expect(csv.status()).toBe(200)
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8')
    expect(csv.headers()['content-disposition']).toMatch(/^attachment; filename="admin-actions-[0-9-]+\.csv"$/)
    const lines = (await csv.text()).split('\r\n')
    expect(lines[0]).toBe('id,at,actor,action,target,ip,detail')
    const cells = lines[1]!.split('","')
    expect(cells[0]).toMatch(/^"\d+$/)
    expect(cells[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    // The target starts with "=": a spreadsheet gets it as text.
    expect(cells.slice(2)).toEqual([
      admin.email,
      'user.set_groups',
      `'${person.email}`,
      '127.0.0.1',
      '{""before"":[],""after"":[""@SUM(1)""]}"',
    ])
  })

  test('case 46: sign out everywhere: "Continue as" is no longer offered nor accepted; an admin may end their own sessions', async ({
    page,
    browser,
  }) => {
    const admin = await createUser({ admin: true, prefix: 'act-out-admin' })
    const person = await createUser({ prefix: 'act-out' })
    const theirs = await browser.newContext()
    const login = new LoginPage(await theirs.newPage())
    await login.signInThrough(await createLoginRequest(), person)
    await login.open((await createLoginRequest()).loginUrl)
    const stale = login.continueAs(person.name)
    await expect(stale).toBeVisible()

    await signInAsAdmin(page, admin)
    await openUserPage(page, person.email)
    await page.getByRole('button', { name: 'Sign out everywhere' }).click()
    await expect(outcome(page, 'sign-out-outcome')).toHaveText(`Signed ${person.email} out everywhere.`)
    const revokedAt = (await userRow(person.email)).sessions_revoked_at
    expect(revokedAt).toBeGreaterThan(0)
    expect((await auditRowsFor(person.email)).at(-1)).toEqual({
      actor: admin.email,
      action: 'user.sign_out_everywhere',
      target: person.email,
      ip: '127.0.0.1',
      detail: JSON.stringify({ sessions_revoked_at: revokedAt }),
    })

    // The page shown before still has its button: clicking it is refused.
    await stale.click()
    await expect(login.page).toHaveURL(/\/login\/problem\/account_unavailable$/)
    await expect(login.problemCode).toHaveText('account_unavailable')
    // A new login page in the same browser offers only the sign-in form.
    const next = await createLoginRequest()
    await login.open(next.loginUrl)
    await expect(login.continueAs(person.name)).toHaveCount(0)
    await expect(login.email).toBeVisible()
    await theirs.close()

    // Their own: the admin session ends with it.
    await openUserPage(page, admin.email)
    await page.getByRole('button', { name: 'Sign out everywhere' }).click()
    await expect(page).toHaveURL(/\/admin\/sign-in$/)
    const after = await page.request.get('/admin', { maxRedirects: 0 })
    expect(after.status()).toBe(307)
    expect(new URL(after.headers().location!, APP_URL).pathname).toBe('/admin/sign-in')
    expect((await auditRowsFor(admin.email)).at(-1)).toMatchObject({ actor: admin.email, action: 'user.sign_out_everywhere' })
  })
})

test.describe('who may act on users', () => {
  test('case 46: a non-admin, a post from another site, a disabled admin and no session are refused every action', async ({
    page,
    browser,
  }) => {
    const admin = await createUser({ admin: true, prefix: 'act-ref-admin' })
    const other = await createUser({ admin: true, prefix: 'act-ref-other' })
    const plain = await createUser({ prefix: 'act-ref-plain' })
    const target = `act-ref-new-${Date.now().toString(36)}@example.test`
    await signInAsAdmin(page, admin)
    const otherContext = await browser.newContext()
    await signInAsAdmin(await otherContext.newPage(), other)
    const plainContext = await browser.newContext()
    const plainPage = await plainContext.newPage()
    await plainPage.goto('/admin/sign-in')
    await plainPage.getByLabel('Email').fill(plain.email)
    await plainPage.getByLabel('Password').fill(plain.password)
    await plainPage.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(plainPage.getByTestId('forbidden')).toBeVisible()

    // Each action once, for real, by the admin: what the browser sent is what the others send.
    await page.goto('/admin/users/new')
    await page.getByLabel('Email', { exact: true }).fill(target)
    const actions = [await captureAction(page, () => page.getByRole('button', { name: 'Add and create an invitation link' }).click())]
    await expect(outcome(page, 'invite-outcome')).toContainText(`Added ${target}.`)
    await openUserPage(page, target)
    for (const [name, testId, text] of [
      ['Disable', 'status-outcome', `Disabled ${target} and signed them out everywhere.`],
      ['Enable', 'status-outcome', `Enabled ${target}.`],
      ['Reset second factors', 'reset-outcome', `Removed the second factors of ${target}.`],
      ['Sign out everywhere', 'sign-out-outcome', `Signed ${target} out everywhere.`],
      ['New invitation link', 'reissue-outcome', `A new link for ${target}; earlier links no longer work:`],
      ['Save groups', 'groups-outcome', 'Cleared the groups.'],
      ['Save roles', 'roles-outcome', 'Cleared the roles.'],
    ] as const) {
      actions.push(await captureAction(page, () => page.getByRole('button', { name, exact: true }).click()))
      await expect(outcome(page, testId)).toHaveText(text)
    }
    await openUserPage(page, other.email)
    await page.getByRole('button', { name: 'Disable' }).click()
    await expect(outcome(page, 'status-outcome')).toHaveText(`Disabled ${other.email} and signed them out everywhere.`)

    const rowsBefore = await auditRowCount()
    const targetBefore = await userRow(target)
    const nobody = await browser.newContext()
    for (const action of actions) {
      const label = action.headers['next-action']
      const refusedPlain = await replayAction(plainContext.request, action)
      expect(refusedPlain.status(), label).toBe(403)
      const crossSite = await replayAction(page.request, action, { origin: 'https://evil.example', site: 'cross-site' })
      expect(crossSite.status(), label).toBe(403)
      expect(await crossSite.text()).toBe('Forbidden: this form was not sent from this site.\n')
      for (const context of [otherContext, nobody]) {
        const signedOut = await replayAction(context.request, action)
        expect(signedOut.status(), label).toBe(200)
        expect(signedOut.headers()['x-action-redirect'], label).toMatch(/^\/admin\/sign-in(;|$)/)
      }
    }
    expect(await auditRowCount()).toBe(rowsBefore)
    expect(await userRow(target)).toEqual(targetBefore)
    await Promise.all([otherContext.close(), plainContext.close(), nobody.close()])
  })
})
