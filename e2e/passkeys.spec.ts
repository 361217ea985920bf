import type { Page, Request } from '@playwright/test'
import { test, expect } from './fixtures'
import { APP_URL, SCALEKIT_URL } from './support/config'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { ledgerEventDetail, ledgerEvents, ledgerRow } from './support/ledger'
import { createUser } from './support/users'
import { partnerCallback } from './support/flows'
import { addVirtualAuthenticator, hasSessionCookie, passkeyRows, signInAtAccount, withoutPasskeyAutofill } from './support/passkeys'
import { LoginPage } from './pages/login-page'

// Passkeys with Chromium's virtual authenticator: registration on /account, a real MCP-client
// login with no password typed, a cloned authenticator refused, rename and remove, cross-site posts.

const CLONED =
  'This passkey was refused: its signature counter went back, as a cloned or replayed authenticator’s does. Sign in another way and tell your administrator.'

async function addPasskey(page: Page, name: string) {
  await page.getByLabel('Passkey name').fill(name)
  await page.getByRole('button', { name: 'Add a passkey' }).click()
}

/** A signed-out browser with a passkey registered for `user` in its virtual authenticator. */
async function registered(page: Page, user: { email: string; password: string }) {
  const authenticator = await addVirtualAuthenticator(page)
  await signInAtAccount(page, user)
  await addPasskey(page, 'Laptop')
  await expect(page.getByTestId('passkey-name')).toHaveText(['Laptop'])
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible()
  expect(await hasSessionCookie(page.context())).toBe(false)
  return authenticator
}

/** Opens the login request and signs in with the passkey; answers the partner:callback URL. */
async function passkeyLogin(page: Page, request: { loginUrl: string; loginRequestId: string }) {
  await new LoginPage(page).open(request.loginUrl)
  await expect(page.getByLabel('Email')).toHaveAttribute('autocomplete', 'username webauthn')
  await expect(page.getByLabel('Password')).toHaveValue('')
  const callback = page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
  const url = (await callback).url()
  await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
  return url
}

test.describe('passkeys', () => {
  test.beforeEach(async ({ context }, testInfo) => {
    if (!testInfo.title.includes('autofill')) await withoutPasskeyAutofill(context)
  })

  test('case 45: registers a passkey on /account, then completes an MCP-client login with it and no password', async ({ page }) => {
    const user = await createUser({ prefix: 'passkey' })
    const { cdp, authenticatorId } = await registered(page, user)
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(credentials).toHaveLength(1)
    const [row] = await passkeyRows(user.email)
    expect(row).toMatchObject({
      id: Buffer.from(credentials[0]!.credentialId, 'base64').toString('base64url'),
      name: 'Laptop',
      device_type: 'singleDevice',
      backed_up: 0,
      last_used_at: null,
    })
    expect(JSON.parse(row!.transports)).toEqual(['internal'])

    const request = await createLoginRequest()
    expect(await passkeyLogin(page, request)).toBe(partnerCallback(request.state))
    const received = await readLoginRequest(request.loginRequestId)
    expect(received?.userDetailsCalls).toBe(1)
    // RFC 8176: a hardware-bound key with user verification, two factors in one.
    expect(received?.user).toMatchObject({ email: user.email, name: user.name, customAttributes: { amr: ['hwk', 'mfa'] } })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({
      status: 'completed',
      identity_source: 'local',
      user_email: user.email,
      auth_methods: 'hwk mfa',
      error_code: null,
    })
    expect(await ledgerEvents(request.loginRequestId)).toEqual(['received', 'signed_in', 'submitted', 'completed'])
    const [used] = await passkeyRows(user.email)
    expect(used!.counter).toBeGreaterThan(row!.counter)
    expect(used!.last_used_at).toBeGreaterThan(0)
  })

  test('case 45: refuses a cloned authenticator whose signature counter is lower, and makes no session', async ({ page, browser }) => {
    const user = await createUser({ prefix: 'passkey-clone' })
    const { cdp, authenticatorId } = await registered(page, user)
    const first = await createLoginRequest()
    expect(await passkeyLogin(page, first)).toBe(partnerCallback(first.state))
    const [stored] = await passkeyRows(user.email)
    expect(stored!.counter).toBeGreaterThan(0)

    // The same private key in another browser, its counter set back to 0.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    const other = await browser.newContext({ baseURL: APP_URL })
    await withoutPasskeyAutofill(other)
    const clonePage = await other.newPage()
    const clone = await addVirtualAuthenticator(clonePage)
    await clone.cdp.send('WebAuthn.addCredential', {
      authenticatorId: clone.authenticatorId,
      credential: { ...credentials[0]!, signCount: 0 },
    })

    const second = await createLoginRequest()
    await new LoginPage(clonePage).open(second.loginUrl)
    await clonePage.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await expect(clonePage.getByTestId('passkey-message')).toHaveText(CLONED)
    expect(await ledgerEventDetail(second.loginRequestId, 'sign_in_failed')).toEqual({
      source: 'local',
      code: 'credentials_refused',
      message: 'a cloned or replayed authenticator: the passkey signature counter did not increase',
    })
    expect(await ledgerRow(second.loginRequestId)).toMatchObject({ status: 'pending', user_email: null, error_code: 'credentials_refused' })
    expect((await readLoginRequest(second.loginRequestId))?.userDetailsCalls).toBe(0)
    expect(await hasSessionCookie(other)).toBe(false)
    await clonePage.goto('/account')
    await expect(clonePage.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible()
    await expect(clonePage.getByTestId('account-email')).toHaveCount(0)
    expect((await passkeyRows(user.email))[0]!.counter).toBe(stored!.counter)
    await other.close()
  })

  test('signs in through the browser autofill of passkeys on the email field', async ({ page }) => {
    const user = await createUser({ prefix: 'passkey-autofill' })
    await registered(page, user)
    const request = await createLoginRequest()
    const callback = page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
    await page.goto(request.loginUrl)
    // The virtual authenticator picks the passkey the browser offers in the email field: nothing is clicked.
    expect((await callback).url()).toBe(partnerCallback(request.state))
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
    expect((await readLoginRequest(request.loginRequestId))?.user).toMatchObject({
      email: user.email,
      customAttributes: { amr: ['hwk', 'mfa'] },
    })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', auth_methods: 'hwk mfa' })
  })

  test('renames and removes a passkey on /account; the same device cannot register twice', async ({ page }) => {
    const user = await createUser({ prefix: 'passkey-manage' })
    await addVirtualAuthenticator(page)
    await signInAtAccount(page, user)
    await expect(page.getByTestId('passkey-count')).toHaveText(/^None yet\./)
    await addPasskey(page, 'Laptop')
    await expect(page.getByTestId('passkey-name')).toHaveText(['Laptop'])
    await expect(page.getByTestId('passkey-last-used')).toContainText('last used never')

    await addPasskey(page, 'Laptop again')
    await expect(page.getByTestId('passkey-message')).toHaveText('This device already holds a passkey for your account.')
    expect(await passkeyRows(user.email)).toHaveLength(1)

    await page.getByLabel('New name for Laptop').fill('  Work laptop ')
    await page.getByRole('button', { name: 'Rename' }).click()
    await expect(page.getByTestId('passkey-name')).toHaveText(['Work laptop'])
    expect((await passkeyRows(user.email)).map((p) => p.name)).toEqual(['Work laptop'])

    await page.getByRole('button', { name: 'Remove Work laptop' }).click()
    await expect(page.getByTestId('passkey-count')).toHaveText(/^None yet\./)
    expect(await passkeyRows(user.email)).toEqual([])
  })

  test('case 45: refuses a cross-site POST to the passkey actions of /account and of the login page', async ({ page, playwright }) => {
    const user = await createUser({ prefix: 'passkey-xsite' })
    const actions: Request[] = []
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.headers()['next-action']) actions.push(r)
    })
    await registered(page, user)
    const accountPosts = actions.filter((r) => new URL(r.url()).pathname === '/account')
    const first = await createLoginRequest()
    await passkeyLogin(page, first)
    const loginPosts = actions.filter((r) => new URL(r.url()).pathname === '/login')
    // Options and the answer, for registration and for the sign-in.
    expect(accountPosts.length).toBeGreaterThanOrEqual(2)
    expect(loginPosts).toHaveLength(2)

    const second = await createLoginRequest()
    await new LoginPage(page).open(second.loginUrl)
    const api = await playwright.request.newContext()
    const replay = (r: Request, site: { origin: string; 'sec-fetch-site': string }) =>
      api.post(r.url(), {
        headers: { ...r.headers(), ...site },
        data: (r.postDataBuffer() ?? Buffer.alloc(0))
          .toString('utf8')
          .replaceAll(first.loginRequestId, second.loginRequestId)
          .replaceAll(first.state, second.state),
        maxRedirects: 0,
      })
    const evil = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }
    for (const post of accountPosts) expect((await replay(post, evil)).status()).toBe(403)
    expect(await passkeyRows(user.email)).toHaveLength(1)
    for (const post of loginPosts) {
      const response = await replay(post, evil)
      expect(response.status()).toBe(303)
      expect(response.headers()['location']).toBe(`${APP_URL}/login/problem/cross_site`)
    }
    expect(await ledgerEvents(second.loginRequestId)).toEqual(['received'])
    // The same answer from this site reaches the action, which refuses a challenge issued for another login request.
    expect((await replay(loginPosts[1]!, { origin: APP_URL, 'sec-fetch-site': 'same-origin' })).status()).toBe(200)
    expect(await ledgerEventDetail(second.loginRequestId, 'sign_in_failed')).toMatchObject({
      message: 'the passkey challenge expired or was for another login request',
    })
    expect((await readLoginRequest(second.loginRequestId))?.userDetailsCalls).toBe(0)
    await api.dispose()
  })
})
