import { spawn } from 'node:child_process'
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'

// The README's first command: `npm run demo` (here without rebuilding, on ports of its own).
const PORTS = {
  DEMO_BRIDGE_PORT: '3600',
  DEMO_SCALEKIT_PORT: '4610',
  DEMO_FINANCE_SCALEKIT_PORT: '4611',
  DEMO_MCP_PORT: '4620',
  DEMO_FINANCE_MCP_PORT: '4621',
  DEMO_CLIENT_PORT: '4630',
  DEMO_SMTP_PORT: '4625',
  DEMO_MAILBOX_PORT: '4640',
}

interface Account {
  email: string
  password: string
}

/** The account the demo prints on the line that ends with `note`. */
function printedAccount(output: string, note: string): Account {
  const [, email, password] = new RegExp(`(\\S+@\\S+) +password (\\S+) +${note}`).exec(output) ?? []
  expect(email, `the demo prints an account that is ${note}`).toBeTruthy()
  return { email: email!, password: password! }
}

/**
 * From the client's "Connect to {serverName}" to that server's sign-in page on the bridge, signed in
 * there as `account`; answers the login request id. Someone else's bridge session offers "Continue
 * as" and "Use another account": this person uses their own.
 */
async function connectAndSignIn(page: Page, clientUrl: string, server: { name: string; key: string }, account: Account): Promise<string> {
  await page.goto(clientUrl)
  await page.getByRole('button', { name: `Connect to ${server.name}` }).click()
  await expect(page).toHaveURL(new RegExp(`^http://localhost:3600/login/${server.key}\\?login_request_id=`))
  const loginRequestId = new URL(page.url()).searchParams.get('login_request_id')!
  await expect(page.getByRole('heading', { name: `Sign in to use ${server.name}` })).toBeVisible()
  await expect(page.getByTestId('server-name')).toHaveText(server.name)
  const another = page.getByRole('button', { name: 'Use another account' })
  if (await another.isVisible()) await another.click()
  await page.getByLabel('Email').fill(account.email)
  await page.getByLabel('Password').fill(account.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  return loginRequestId
}

/** The admin area's own sign-in, at the address the demo printed. */
async function signInAsAdmin(page: Page, adminUrl: string, admin: Account): Promise<void> {
  await page.goto(`${adminUrl}/sign-in`)
  await page.getByLabel('Email').fill(admin.email)
  await page.getByLabel('Password').fill(admin.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page).toHaveURL(/\/admin$/)
  await expect(page.getByTestId('admin-email')).toHaveText(admin.email)
}

const NOTES = { name: 'Notes MCP', key: 'notes' }
const FINANCE = { name: 'Finance MCP', key: 'finance' }

test('npm run demo: a newcomer is admitted to both MCP servers, refused on one, and sees it all in the ledger', async ({ page }) => {
  test.setTimeout(120_000)
  const demo = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'e2e/stand-in/demo.ts', '--no-build'], {
    env: { ...process.env, ...PORTS, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  demo.stdout.on('data', (chunk) => (output += String(chunk)))
  demo.stderr.on('data', (chunk) => (output += String(chunk)))
  try {
    await expect.poll(() => output, { timeout: 60_000 }).toContain('Stop with Ctrl+C.')
    const clientUrl = /Open (http:\/\/\S+) and click/.exec(output)?.[1]
    expect(clientUrl).toBe('http://127.0.0.1:4630')
    const everybody = printedAccount(output, 'not in finance')
    const financeUser = printedAccount(output, 'in the group finance')
    const [, adminUrl, adminEmail, adminPassword] =
      /Review the logins at (http:\/\/\S+) as (\S+) with the password (\S+)\./.exec(output) ?? []
    expect(adminUrl).toBe('http://localhost:3600/admin')
    const mailboxUrl = /arrives in the demo mailbox: (http:\/\/\S+)/.exec(output)?.[1]
    expect(mailboxUrl).toBe('http://localhost:4640')

    // Notes MCP is for everybody: the client tells each step, and shows the token's claims and the tool result.
    const notesLogin = await connectAndSignIn(page, clientUrl!, NOTES, everybody)
    await expect(page.getByRole('heading', { name: 'Connected to Notes MCP', exact: true })).toBeVisible()
    await expect(page.getByTestId('steps')).toContainText('admitted to Notes MCP')
    await expect(page.getByTestId('token-claims')).toContainText(`"email": "${everybody.email}"`)
    await expect(page.getByTestId('tool-result')).toContainText(everybody.email)

    // Finance MCP admits the group finance; the token carries the group.
    const financeLogin = await connectAndSignIn(page, clientUrl!, FINANCE, financeUser)
    await expect(page.getByRole('heading', { name: 'Connected to Finance MCP', exact: true })).toBeVisible()
    await expect(page.getByTestId('steps')).toContainText('admitted to Finance MCP')
    await expect(page.getByTestId('token-claims')).toContainText(`"email": "${financeUser.email}"`)
    await expect(page.getByTestId('token-claims')).toContainText('"finance"')
    await expect(page.getByTestId('tool-result')).toContainText(financeUser.email)

    // ...and refuses anyone else with a 403 page; Cancel there returns to the client with an OAuth error.
    const deniedLogin = await connectAndSignIn(page, clientUrl!, FINANCE, everybody)
    await expect(page.getByRole('heading', { name: `Your account (${everybody.email}) cannot use Finance MCP` })).toBeVisible()
    await expect(page.getByTestId('problem-code')).toHaveText('access_denied')
    expect((await page.request.get(page.url())).status()).toBe(403)
    await page.getByRole('button', { name: 'Cancel' }).click()
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:4630\/callback\?/)
    await expect(page.getByRole('heading', { name: 'Not connected to Finance MCP' })).toBeVisible()
    await expect(page.getByTestId('demo-error')).toContainText('access_denied')

    // The admin sees those three logins, and why the last one was refused.
    await signInAsAdmin(page, adminUrl!, { email: adminEmail!, password: adminPassword! })
    const row = (id: string) => page.getByTestId('ledger-row').filter({ hasText: id })
    await expect(row(notesLogin)).toContainText('completed')
    await expect(row(notesLogin)).toContainText(everybody.email)
    await expect(row(financeLogin)).toContainText('completed')
    await expect(row(financeLogin)).toContainText(financeUser.email)
    await expect(row(deniedLogin)).toContainText(everybody.email)
    await row(deniedLogin).getByRole('link', { name: deniedLogin }).click()
    await expect(page.getByTestId('ledger-event').filter({ hasText: 'denied' })).toContainText('not in any of the groups: finance')
  } finally {
    const exited = new Promise((resolve) => demo.once('exit', resolve))
    demo.kill('SIGINT')
    await exited
  }
})
