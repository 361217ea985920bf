import { test, expect } from './fixtures'
import { APP_URL } from './support/config'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { createUser, runUsersCli } from './support/users'
import { openDatabase } from '../lib/db'
import { DATABASE_URL } from './support/config'

test.describe('local passwords', () => {
  test('case 21: unknown user, wrong password and disabled account look the same', async ({ browser }) => {
    const known = await createUser({ prefix: 'timing' })
    const disabled = await createUser({ prefix: 'disabled' })
    expect((await runUsersCli(['disable', disabled.email])).code).toBe(0)

    const context = await browser.newContext({ javaScriptEnabled: false, baseURL: APP_URL })
    const page = await context.newPage()
    const request = await createLoginRequest()
    const attempts = {
      unknown: { email: `nobody-${Date.now()}@example.test`, password: known.password },
      wrong: { email: known.email, password: `${known.password}-wrong` },
      disabled: { email: disabled.email, password: disabled.password },
    }
    const timings: Record<string, number[]> = { unknown: [], wrong: [], disabled: [] }
    for (let round = 0; round < 3; round++) {
      for (const [kind, credentials] of Object.entries(attempts)) {
        await page.goto(request.loginUrl)
        await page.getByLabel('Email').fill(credentials.email)
        await page.getByLabel('Password').fill(credentials.password)
        const started = Date.now()
        const response = page.waitForResponse((r) => r.request().method() === 'POST')
        await page.getByRole('button', { name: 'Sign in', exact: true }).click()
        expect((await response).status(), kind).toBe(200)
        timings[kind]!.push(Date.now() - started)
        await expect(page.getByTestId('form-message'), kind).toHaveText('The email or password is incorrect.')
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1]!
    // Without the dummy hash an unknown email answers several times faster than a wrong password.
    expect(median(timings.unknown!)).toBeGreaterThan(median(timings.wrong!) * 0.6)
    expect(median(timings.disabled!)).toBeGreaterThan(median(timings.wrong!) * 0.6)
    expect((await readLoginRequest(request.loginRequestId))?.userDetailsCalls).toBe(0)
    await context.close()
  })

  test('case 23: the CLI stores argon2id (m=19456, t=2, p=1) and enforces 8..128 characters', async () => {
    const user = await createUser({ prefix: 'argon' })
    const handle = await openDatabase(DATABASE_URL)
    try {
      const row = await handle.db.selectFrom('users').select('password_hash').where('email', '=', user.email).executeTakeFirstOrThrow()
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    } finally {
      await handle.db.destroy()
    }
    const short = await runUsersCli(['add', `short-${Date.now()}@example.test`, '--name', 'Short'], 'seven77\n')
    expect(short.code).toBe(1)
    expect(short.stderr).toContain('Passwords need at least 8 characters.')
    const long = await runUsersCli(['add', `long-${Date.now()}@example.test`, '--name', 'Long'], `${'x'.repeat(129)}\n`)
    expect(long.code).toBe(1)
    expect(long.stderr).toContain('Passwords can have at most 128 characters.')
  })
})
