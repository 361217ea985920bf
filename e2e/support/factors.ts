import { expect, type Page } from '@playwright/test'
import { generateHOTP } from '@oslojs/otp'
import { decodeBase32IgnorePadding } from '@oslojs/encoding'
import { openDatabase, type DatabaseHandle } from '../../lib/db'
import { DATABASE_URL } from './config'
import { recordSecret } from './issued-secrets'

// An authenticator app for the browser suite: reads the key /account shows and computes its codes
// (RFC 6238, as the bridge checks them), and reads the factor tables to assert what was stored.

let handle: Promise<DatabaseHandle> | undefined
function db() {
  handle ??= openDatabase(DATABASE_URL)
  return handle.then((h) => h.db)
}

export class Authenticator {
  constructor(readonly keyText: string) {
    recordSecret('totp_key', keyText.replace(/ /g, ''))
  }

  /** The code `offset` 30-second steps from now; the bridge accepts one step either side. */
  code(offset = 0): string {
    const key = decodeBase32IgnorePadding(this.keyText.replace(/ /g, ''))
    return generateHOTP(key, BigInt(Math.floor(Date.now() / 30_000) + offset), 6)
  }
}

/** Sets up an authenticator app on /account for the signed-in person; returns it and the recovery codes shown. */
export async function enrolAuthenticator(page: Page, baseUrl: string): Promise<{ app: Authenticator; recoveryCodes: string[] }> {
  await page.goto(`${baseUrl}/account`)
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
  const app = new Authenticator(await page.getByTestId('totp-key').innerText())
  await page.getByLabel('The 6-digit code your app shows').fill(app.code())
  await page.getByRole('button', { name: 'Turn on and continue' }).click()
  return { app, recoveryCodes: await shownRecoveryCodes(page) }
}

export async function shownRecoveryCodes(page: Page): Promise<string[]> {
  const list = page.getByTestId('recovery-codes')
  await expect(list.locator('li')).toHaveCount(10)
  const codes = await list.locator('li').allInnerTexts()
  for (const code of codes) recordSecret('recovery_code', code)
  return codes
}

/** Signs in at /account with email and password (and no second step). */
export async function signInAtAccount(page: Page, baseUrl: string, user: { email: string; password: string }) {
  await page.goto(`${baseUrl}/account`)
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page.getByTestId('account-email')).toContainText(user.email)
}

export async function storedFactors(email: string) {
  const database = await db()
  const user = await database.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()
  const totp = await database.selectFrom('totp_factors').selectAll().where('user_id', '=', user.id).executeTakeFirst()
  const codes = await database.selectFrom('recovery_codes').selectAll().where('user_id', '=', user.id).execute()
  return { totp, codes }
}
