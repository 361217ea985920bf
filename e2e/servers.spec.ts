import http from 'node:http'
import type { Browser, Page } from '@playwright/test'
import { decodeJwt } from 'jose'
import { test, expect } from './fixtures'
import { LoginPage } from './pages/login-page'
import { startMcpClientLogin } from './stand-in/mcp-test-client'
import { expectedPartnerCallback } from './stand-in/partner-callback'
import { runBridgeExpectingExit, startBridge, type RunningBridge } from './support/bridge'
import { APP_URL, bridgeEnv } from './support/config'
import { ledgerEvents, ledgerRow } from './support/ledger'
import { createUser, type TestUser } from './support/users'
import { askForReset, resetLinkFor } from './support/reset'
import { Authenticator, shownRecoveryCodes } from './support/factors'
import {
  SERVERS_BRIDGE_PORT,
  SERVERS_BRIDGE_URL,
  createLoginRequestAt,
  serverLoginUrl,
  standInLoginRequest,
  standInStats,
  startEnvironment,
  stopEnvironment,
  type Environment,
} from './support/servers'

// One bridge for several MCP servers (MCP_SERVERS): each server's own /login/{key}, its own
// connection and Scalekit environment, and its access policy decided after sign-in and before
// anything reaches Scalekit.

let crm: Environment
let finance: Environment
let bridge: RunningBridge
let analyst: TestUser
let outsider: TestUser

/** A server on the CRM environment (the top-level SCALEKIT_* keys) with one rule; its connection is made up for it. */
const ruleServer = (key: string, allow: Record<string, string[]>) => ({
  key,
  name: `Rule ${key}`,
  connectionId: `conn_e2erule${key.replace(/-/g, '')}`,
  allow,
})

function serversConfig() {
  return [
    { key: 'crm', name: 'CRM MCP', connectionId: crm.connectionId },
    {
      key: 'finance',
      name: 'Finance MCP',
      connectionId: finance.connectionId,
      allow: { groups: ['finance'] },
      scalekit: { environmentUrl: finance.standIn.url, clientId: finance.clientId, clientSecret: 'env:E2E_FINANCE_SECRET' },
    },
    ruleServer('groups', { groups: ['finance'] }),
    ruleServer('roles', { roles: ['auditor'] }),
    ruleServer('emails', { emails: [analyst.email.toUpperCase()] }),
    ruleServer('domains', { domains: ['example.test'] }),
    ruleServer('local-only', { sources: ['local'] }),
    ruleServer('acme-only', { sources: ['acme'] }),
    { key: 'mfa', name: 'MFA MCP', connectionId: 'conn_e2erulemfa', requireMfa: true },
  ]
}

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  test.setTimeout(120_000)
  crm = await startEnvironment('crm', 'crm')
  finance = await startEnvironment('fin', 'finance')
  analyst = await createUser({ prefix: 'analyst', groups: ['finance', 'staff'], roles: ['auditor'], emailVerified: true })
  outsider = await createUser({ prefix: 'outsider', groups: ['staff'] })
  const acme = {
    id: 'acme',
    type: 'oidc',
    name: 'Acme',
    issuer: 'http://127.0.0.1:4999',
    clientId: 'bridge',
    clientSecret: 'unused-secret',
  }
  bridge = await startBridge(SERVERS_BRIDGE_PORT, {
    ...bridgeEnv({ APP_URL: SERVERS_BRIDGE_URL }),
    SCALEKIT_ENVIRONMENT_URL: crm.standIn.url,
    SCALEKIT_CLIENT_ID: crm.clientId,
    SCALEKIT_CLIENT_SECRET: crm.clientSecret,
    SCALEKIT_CONNECTION_ID: '',
    E2E_FINANCE_SECRET: finance.clientSecret,
    IDENTITY_SOURCES: JSON.stringify([{ id: 'local', type: 'local' }, acme]),
    MCP_SERVERS: JSON.stringify(serversConfig()),
  })
})

test.afterAll(async () => {
  await bridge?.stop()
  await stopEnvironment(crm)
  await stopEnvironment(finance)
})

/** The loopback redirect listener a desktop MCP client runs while it waits for the browser. */
async function startRedirectListener(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('Return to your MCP client.'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as import('node:net').AddressInfo
  return { url: `http://127.0.0.1:${port}/oauth/callback`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** What the MCP server's whoami tool says about the token's person. */
async function whoami(client: Awaited<ReturnType<typeof startMcpClientLogin>>): Promise<Record<string, unknown>> {
  const content = (await client.callTool('whoami')).content as Array<{ type: string; text: string }>
  return JSON.parse(content[0]!.text)
}

/** A fresh browser (no bridge session), so each sign-in below is its own person. */
async function freshPage(browser: Browser): Promise<{ page: Page; loginPage: LoginPage; close: () => Promise<void> }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  return { page, loginPage: new LoginPage(page), close: () => context.close() }
}

test.describe('several MCP servers behind one bridge', () => {
  test('a real MCP client connects to each server through its own /login/{key}, and each tool sees the right user', async ({ browser }) => {
    for (const [environment, key, person] of [
      [crm, 'crm', outsider],
      [finance, 'finance', analyst],
    ] as const) {
      const listener = await startRedirectListener()
      const client = await startMcpClientLogin({ mcpUrl: environment.mcpUrl, redirectUrl: listener.url })
      const { page, loginPage, close } = await freshPage(browser)
      try {
        await page.goto(client.authorizationUrl)
        await expect(page).toHaveURL(new RegExp(`^${SERVERS_BRIDGE_URL}/login/${key}\\?login_request_id=lri_`))
        await expect(page.getByTestId('server-name')).toHaveText(key === 'crm' ? 'CRM MCP' : 'Finance MCP')
        // Each server's page names it, in its heading and its title.
        const serverName = key === 'crm' ? 'CRM MCP' : 'Finance MCP'
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Sign in to use ${serverName}`)
        await expect(page).toHaveTitle(new RegExp(`^Sign in to ${serverName} · `))
        const loginRequestId = new URL(page.url()).searchParams.get('login_request_id')!
        await loginPage.signIn(person.email, person.password)
        await page.waitForURL(`${listener.url}?**`)
        await client.finishWithRedirect(page.url())
        expect(await whoami(client)).toMatchObject({ email: person.email, name: person.name })
        const claims = decodeJwt(client.accessToken()!)
        expect(claims).toMatchObject({ iss: environment.standIn.issuer, aud: environment.mcpUrl, email: person.email })
        // The local directory's groups and roles travel in the claims, so MCP servers can read them.
        if (person === analyst) expect(claims).toMatchObject({ groups: ['finance', 'staff'], roles: ['auditor'] })
        expect(await ledgerRow(loginRequestId)).toMatchObject({
          status: 'completed',
          server_key: key,
          connection_id: environment.connectionId,
          user_email: person.email,
        })
      } finally {
        await close()
        await client.close()
        await listener.close()
      }
    }
  })

  test('case 40: a person outside the group is denied with nothing sent, then uses another account in the same request', async ({
    browser,
  }) => {
    const listener = await startRedirectListener()
    const client = await startMcpClientLogin({ mcpUrl: finance.mcpUrl, redirectUrl: listener.url })
    const { page, loginPage, close } = await freshPage(browser)
    try {
      await page.goto(client.authorizationUrl)
      await expect(page).toHaveURL(/\/login\/finance\?login_request_id=lri_/)
      const loginRequestId = new URL(page.url()).searchParams.get('login_request_id')!
      await loginPage.signIn(outsider.email, outsider.password)

      await expect(page).toHaveURL(/\/login\/problem\/access_denied\?/)
      await expect(page.getByRole('heading', { name: `Your account (${outsider.email}) cannot use Finance MCP` })).toBeVisible()
      await expect(loginPage.problemMessage).toHaveText('Ask your administrator for access, or use another account.')
      expect((await page.request.get(page.url(), { maxRedirects: 0 })).status()).toBe(403)
      expect((await standInLoginRequest(finance, loginRequestId))?.userDetailsCalls).toBe(0)
      expect(await ledgerRow(loginRequestId)).toMatchObject({
        status: 'denied',
        server_key: 'finance',
        user_email: outsider.email,
        error_code: 'denied',
        error_message: 'not in any of the groups: finance',
      })

      await loginPage.useAnotherAccount.click()
      await expect(page).toHaveURL(new RegExp(`^${SERVERS_BRIDGE_URL}/login/finance\\?login_request_id=${loginRequestId}&`))
      await loginPage.signIn(analyst.email, analyst.password)
      await page.waitForURL(`${listener.url}?**`)
      await client.finishWithRedirect(page.url())
      expect(await whoami(client)).toMatchObject({ email: analyst.email })
      expect(await ledgerRow(loginRequestId)).toMatchObject({ status: 'completed', user_email: analyst.email, error_code: null })
      expect(await ledgerEvents(loginRequestId)).toEqual(['received', 'denied', 'signed_in', 'submitted', 'completed'])
    } finally {
      await close()
      await client.close()
      await listener.close()
    }
  })

  test('case 40: "Continue as" is offered only to a person the server admits; Cancel still reports loginFailed', async ({ browser }) => {
    const { page, loginPage, close } = await freshPage(browser)
    try {
      const first = await createLoginRequestAt(crm)
      await loginPage.open(serverLoginUrl('crm', first))
      await loginPage.signIn(outsider.email, outsider.password)
      await page.waitForURL(expectedPartnerCallback(crm.standIn.url, crm.connectionId, first.state))

      const second = await createLoginRequestAt(finance)
      await loginPage.open(serverLoginUrl('finance', second))
      await expect(loginPage.continueAs(outsider.name)).toHaveCount(0)
      await expect(page.getByTestId('session-refused')).toHaveText(
        `You are signed in as ${outsider.email}, who cannot use Finance MCP. Sign in with another account.`,
      )
      await loginPage.cancelButton.click()
      await page.waitForURL(expectedPartnerCallback(finance.standIn.url, finance.connectionId, second.state))
      expect(await standInLoginRequest(finance, second.loginRequestId)).toMatchObject({ userDetailsCalls: 1, loginFailed: true })
      expect(await ledgerRow(second.loginRequestId)).toMatchObject({ status: 'cancelled', server_key: 'finance' })
    } finally {
      await close()
    }
  })
})

test.describe('the guarantees of /login on /login/{key}', () => {
  test('a browser without JavaScript signs in on /login/{key}', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    try {
      const page = await context.newPage()
      const loginPage = new LoginPage(page)
      const request = await createLoginRequestAt(finance)
      await loginPage.open(serverLoginUrl('finance', request))
      await loginPage.signIn(analyst.email, analyst.password)
      await page.waitForURL(expectedPartnerCallback(finance.standIn.url, finance.connectionId, request.state))
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', server_key: 'finance' })
    } finally {
      await context.close()
    }
  })

  test('forgot password from /login/{key}: the link keeps the server, and the new password completes its request there', async ({
    browser,
  }) => {
    const person = await createUser({ prefix: 'forgot-fin', groups: ['finance'], emailVerified: true })
    const { page, loginPage, close } = await freshPage(browser)
    try {
      const request = await createLoginRequestAt(finance)
      await loginPage.open(serverLoginUrl('finance', request))
      const query = new URLSearchParams({ login_request_id: request.loginRequestId, state: request.state, server: 'finance' })
      const forgot = page.getByRole('link', { name: 'Forgot your password?' })
      await expect(forgot).toHaveAttribute('href', `/login/forgot?${query}`)
      await forgot.click()
      await askForReset(page, person.email)
      const back = new URLSearchParams({ login_request_id: request.loginRequestId, state: request.state })
      await expect(page.getByRole('link', { name: 'Back to sign-in' })).toHaveAttribute('href', `/login/finance?${back}`)

      // Whichever instance's worker wrote the link, its token is what counts: open it here.
      await page.goto(`${SERVERS_BRIDGE_URL}${new URL(await resetLinkFor(person.email)).pathname}`)
      const password = 'a-new-finance-password'
      await page.getByLabel('New password').fill(password)
      await page.getByLabel('The same password again').fill(password)
      await page.getByRole('button', { name: 'Change my password' }).click()
      await expect(page).toHaveURL(`${SERVERS_BRIDGE_URL}/login/finance?${back}&reset=done`)
      await expect(page.getByTestId('server-name')).toHaveText('Finance MCP')
      await expect(page.getByTestId('reset-done')).toHaveText('Your password was changed. Sign in with your new password.')
      await loginPage.signIn(person.email, password)
      await page.waitForURL(expectedPartnerCallback(finance.standIn.url, finance.connectionId, request.state))
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({
        status: 'completed',
        server_key: 'finance',
        user_email: person.email,
      })
    } finally {
      await close()
    }
  })

  test('two tabs of one browser, each with a login request for another server, both complete', async ({ browser }) => {
    const context = await browser.newContext()
    try {
      const [first, second] = [await createLoginRequestAt(crm), await createLoginRequestAt(finance)]
      const tabs = [new LoginPage(await context.newPage()), new LoginPage(await context.newPage())]
      await tabs[0]!.open(serverLoginUrl('crm', first))
      await tabs[1]!.open(serverLoginUrl('finance', second))
      await tabs[1]!.signIn(analyst.email, analyst.password)
      await tabs[1]!.page.waitForURL(expectedPartnerCallback(finance.standIn.url, finance.connectionId, second.state))
      // The first tab, still showing its form, completes its own request for its own server.
      await tabs[0]!.signIn(analyst.email, analyst.password)
      await tabs[0]!.page.waitForURL(expectedPartnerCallback(crm.standIn.url, crm.connectionId, first.state))
      expect(await ledgerRow(first.loginRequestId)).toMatchObject({ status: 'completed', server_key: 'crm' })
      expect(await ledgerRow(second.loginRequestId)).toMatchObject({ status: 'completed', server_key: 'finance' })
    } finally {
      await context.close()
    }
  })
})

test.describe('the access policy', () => {
  // Each rule kind, with a person it admits (analyst: finance group, auditor role, verified
  // example.test address) and one it denies (outsider), on servers of the CRM environment.
  const cases = [
    ['groups', 'not in any of the groups: finance'],
    ['roles', 'has none of the roles: auditor'],
    ['emails', 'email address is not in the allowed list'],
    ['domains', 'email address is not verified, so its domain cannot be checked against: example.test'],
    ['acme-only', 'signed in with local, not one of the sources: acme'],
  ] as const

  for (const [key, rule] of cases) {
    test(`case 40: the ${key} rule admits and denies, and records the rule`, async ({ browser }) => {
      const connectionOf = (serverKey: string) => `conn_e2erule${serverKey.replace(/-/g, '')}`
      // The sources rule admits on a server allowing "local", and denies on one allowing only "acme".
      const admitting = key === 'acme-only' ? 'local-only' : key
      const admitted = await freshPage(browser)
      try {
        const request = await createLoginRequestAt(crm, connectionOf(admitting))
        await admitted.loginPage.open(serverLoginUrl(admitting, request))
        await admitted.loginPage.signIn(analyst.email, analyst.password)
        await admitted.page.waitForURL(expectedPartnerCallback(crm.standIn.url, connectionOf(admitting), request.state))
        expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', server_key: admitting })
      } finally {
        await admitted.close()
      }
      const { page, loginPage, close } = await freshPage(browser)
      try {
        const request = await createLoginRequestAt(crm, connectionOf(key))
        await loginPage.open(serverLoginUrl(key, request))
        await loginPage.signIn(outsider.email, outsider.password)
        await expect(page).toHaveURL(/\/login\/problem\/access_denied\?/)
        await expect(page.getByRole('heading', { name: `Your account (${outsider.email}) cannot use Rule ${key}` })).toBeVisible()
        expect(await standInLoginRequest(crm, request.loginRequestId)).toMatchObject({ userDetailsCalls: 0 })
        expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'denied', server_key: key, error_message: rule })
      } finally {
        await close()
      }
    })
  }

  test('case 44: a server with requireMfa takes a local user without a second factor to enrol, and does not continue a password-only session', async ({
    browser,
  }) => {
    const person = await createUser({ prefix: 'mfa-server' })
    const { page, loginPage, close } = await freshPage(browser)
    try {
      const first = await createLoginRequestAt(crm)
      await loginPage.signInThrough({ loginUrl: serverLoginUrl('crm', first), loginRequestId: first.loginRequestId }, person)
      const request = await createLoginRequestAt(crm, 'conn_e2erulemfa')
      await loginPage.open(serverLoginUrl('mfa', request))
      await expect(page.getByTestId('session-refused')).toHaveText(
        `You are signed in as ${person.email} without a second factor, which MFA MCP requires. Sign in again.`,
      )
      await loginPage.signIn(person.email, person.password)
      await expect(page).toHaveURL(/\/login\/enrol\?/)
      expect(await standInLoginRequest(crm, request.loginRequestId)).toMatchObject({ userDetailsCalls: 0 })
      const app = new Authenticator(await page.getByTestId('totp-key').innerText())
      await page.getByLabel('The 6-digit code your app shows').fill(app.code())
      await page.getByRole('button', { name: 'Turn on and continue' }).click()
      await shownRecoveryCodes(page)
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.waitForURL(expectedPartnerCallback(crm.standIn.url, 'conn_e2erulemfa', request.state))
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', server_key: 'mfa', auth_methods: 'pwd otp mfa' })
    } finally {
      await close()
    }
  })

  test("case 39: a request that arrived for one server cannot be completed through another server's endpoint or form", async ({
    browser,
  }) => {
    const { page, loginPage, close } = await freshPage(browser)
    try {
      const request = await createLoginRequestAt(finance)
      await loginPage.open(serverLoginUrl('finance', request))

      // The same request opened at another server's endpoint: refused, the binding stays with finance.
      const other = await page.request.get(serverLoginUrl('crm', request), { maxRedirects: 0 })
      expect(other.status()).toBe(307)
      expect(other.headers()['location']).toBe('/login/problem/wrong_server')
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({
        status: 'pending',
        server_key: 'finance',
        error_code: 'wrong_server',
      })

      // finance's form, posted as crm's: refused before anything is sent.
      await loginPage.open(serverLoginUrl('finance', request))
      await page.locator('form:has(input[name="password"]) input[name="server"]').evaluate((input: HTMLInputElement) => {
        input.value = 'crm'
      })
      await loginPage.signIn(analyst.email, analyst.password)
      await expect(page).toHaveURL(/\/login\/problem\/wrong_server$/)
      await expect(loginPage.problemCode).toHaveText('wrong_server')
      expect((await page.request.get(page.url(), { maxRedirects: 0 })).status()).toBe(409)
      expect(await standInLoginRequest(finance, request.loginRequestId)).toMatchObject({ userDetailsCalls: 0 })
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'pending', error_code: 'wrong_server' })

      // The real finance page still completes it (the sign-in above stands: nothing but the server was wrong).
      await loginPage.open(serverLoginUrl('finance', request))
      await loginPage.continueAs(analyst.name).click()
      await page.waitForURL(expectedPartnerCallback(finance.standIn.url, finance.connectionId, request.state))
    } finally {
      await close()
    }
  })

  test('each Scalekit environment gets exactly one client-credentials token, however many servers share it', async ({ browser }) => {
    // crm and the groups server share the CRM environment; finance has its own.
    for (const [environment, key, connectionId] of [
      [crm, 'crm', crm.connectionId],
      [crm, 'groups', 'conn_e2erulegroups'],
      [finance, 'finance', finance.connectionId],
    ] as const) {
      const { page, loginPage, close } = await freshPage(browser)
      const request = await createLoginRequestAt(environment, connectionId)
      await loginPage.open(serverLoginUrl(key, request))
      await loginPage.signIn(analyst.email, analyst.password)
      await page.waitForURL(expectedPartnerCallback(environment.standIn.url, connectionId, request.state))
      await close()
    }
    // Counted since this bridge started, over every login of this file.
    expect(await standInStats(crm)).toMatchObject({ tokenFetches: 1 })
    expect(await standInStats(finance)).toMatchObject({ tokenFetches: 1 })
  })
})

test.describe('the login endpoints of several servers', () => {
  test('case 41: /login/{key} keeps the headers of /login on its page, its trailing-slash redirect and its errors', async ({ request }) => {
    const loginRequest = await createLoginRequestAt(finance)
    const page = await request.get(serverLoginUrl('finance', loginRequest), { maxRedirects: 0 })
    expect(page.status()).toBe(200)
    const query = new URLSearchParams({ login_request_id: loginRequest.loginRequestId, state: loginRequest.state })
    const slash = await request.get(`${SERVERS_BRIDGE_URL}/login/finance/?${query}`, { maxRedirects: 0 })
    expect(slash.status()).toBe(308)
    expect(slash.headers()['location']).toBe(`${SERVERS_BRIDGE_URL}/login/finance?${query}`)
    const missing = await request.get(`${SERVERS_BRIDGE_URL}/login/finance`, { maxRedirects: 0 })
    expect(missing.status()).toBe(400)
    expect(await missing.text()).toContain('This sign-in link is incomplete')
    for (const response of [page, slash, missing]) {
      expect(response.headers()).toMatchObject({
        'cross-origin-opener-policy': 'unsafe-none',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
      })
      expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'")
    }
  })

  test('case 41: /login without a default server, and an unknown key, answer 404 naming no server', async ({ request }) => {
    const loginRequest = await createLoginRequestAt(crm)
    const query = new URLSearchParams({ login_request_id: loginRequest.loginRequestId, state: loginRequest.state })
    for (const url of [
      `${SERVERS_BRIDGE_URL}/login?${query}`,
      `${SERVERS_BRIDGE_URL}/login`,
      `${SERVERS_BRIDGE_URL}/login/payroll?${query}`,
    ]) {
      const response = await request.get(url, { maxRedirects: 0 })
      expect(response.status(), url).toBe(404)
      expect(response.headers()['cross-origin-opener-policy']).toBe('unsafe-none')
      const text = await response.text()
      expect(text).toMatch(/start the connection again|Start again from your MCP client/)
      for (const name of ['CRM MCP', 'Finance MCP', 'crm', 'finance']) expect(text).not.toContain(`>${name}<`)
    }
    expect(await ledgerRow(loginRequest.loginRequestId)).toBeUndefined()
  })

  test('a single-connection bridge (SCALEKIT_CONNECTION_ID) serves /login only: /login/{anything} is not a sign-in page', async ({
    request,
  }) => {
    const loginRequest = await createLoginRequestAt(crm)
    const query = new URLSearchParams({ login_request_id: loginRequest.loginRequestId, state: loginRequest.state })
    const response = await request.get(`${APP_URL}/login/default?${query}`, { maxRedirects: 0 })
    expect(response.status()).toBe(404)
    expect(response.headers()['cross-origin-opener-policy']).toBe('unsafe-none')
  })
})

test.describe('MCP_SERVERS errors at start-up', () => {
  const port = SERVERS_BRIDGE_PORT + 10
  const server = { key: 'crm', name: 'CRM MCP', connectionId: 'conn_e2ecrm0001' }
  const cases: Array<[string, unknown[], Record<string, string>, string]> = [
    ['a duplicate key', [server, { ...server, name: 'Other' }], {}, 'MCP_SERVERS: the key "crm" is used twice; keys must be unique'],
    [
      'a reserved key',
      [{ ...server, key: 'resume' }],
      {},
      `MCP_SERVERS[0] (resume).key: key "resume" is a word the bridge's own pages use under /login`,
    ],
    [
      'a res_ id',
      [{ ...server, connectionId: 'res_e2e00000001' }],
      {},
      "MCP_SERVERS[0] (crm).connectionId: connectionId is set to a res_... value: that is the MCP server's resource id. Use the conn_... id",
    ],
    [
      'an unknown source in sources',
      [{ ...server, sources: ['okta'] }],
      {},
      'MCP_SERVERS (crm): "okta" is not an identity source; use one of the ids in IDENTITY_SOURCES (local)',
    ],
    [
      'both MCP_SERVERS and SCALEKIT_CONNECTION_ID',
      [server],
      { SCALEKIT_CONNECTION_ID: 'conn_e2e00000001' },
      'MCP_SERVERS and SCALEKIT_CONNECTION_ID are both set: move the connection into MCP_SERVERS',
    ],
  ]
  for (const [what, servers, extra, sentence] of cases) {
    test(`${what} is refused with a sentence that names the fix`, async () => {
      const result = await runBridgeExpectingExit(port, {
        ...bridgeEnv({ APP_URL: `http://localhost:${port}`, SCALEKIT_CONNECTION_ID: '' }),
        MCP_SERVERS: JSON.stringify(servers),
        ...extra,
      })
      expect(result.code).toBe(1)
      expect(result.output).toContain('The bridge is not configured correctly')
      expect(result.output).toContain(sentence)
    })
  }
})
