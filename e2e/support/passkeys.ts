import type { BrowserContext, CDPSession, Page } from '@playwright/test'
import { openDatabase, type DatabaseHandle } from '../../lib/db'
import { DATABASE_URL } from './config'

// Chromium's virtual authenticator (the CDP WebAuthn domain) and the bridge's passkeys table, read
// directly so a test can assert the rows a registration or a sign-in left behind.

let handle: Promise<DatabaseHandle> | undefined

function db() {
  handle ??= openDatabase(DATABASE_URL)
  return handle.then((h) => h.db)
}

export async function passkeyRows(email: string) {
  return (await db())
    .selectFrom('passkeys')
    .innerJoin('users', 'users.id', 'passkeys.user_id')
    .selectAll('passkeys')
    .where('users.email', '=', email)
    .orderBy('passkeys.created_at')
    .execute()
}

export interface VirtualAuthenticator {
  cdp: CDPSession
  authenticatorId: string
}

/** A platform authenticator with user verification that answers at once (no person to touch it). */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  return { cdp, authenticatorId }
}

/** Signs in at /account with email and password (a user without second factors). */
export async function signInAtAccount(page: Page, user: { email: string; password: string }) {
  await page.goto('/account')
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.getByTestId('account-email').waitFor()
}

/** Whether the context holds an Auth.js session cookie. */
export async function hasSessionCookie(context: BrowserContext): Promise<boolean> {
  return (await context.cookies()).some((cookie) => cookie.name.includes('session-token'))
}

/**
 * Chromium's virtual authenticator answers a conditional (autofill) request at once, as if the
 * person had picked the passkey from the email field's suggestions. Tests of the button turn
 * autofill off in their browser, so the click is what signs in.
 */
export async function withoutPasskeyAutofill(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    if (globalThis.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false
  })
}
