import { expect, type APIRequestContext, type APIResponse, type Page } from '@playwright/test'
import { openDatabase, type DatabaseHandle } from '../../lib/db'
import { APP_URL, DATABASE_URL } from './config'
import type { TestUser } from './users'

// The admin area's user actions from the outside: signing in as an admin, the rows an action left
// (the user's, the audit log's), and a captured server action posted again by someone else.

let handle: Promise<DatabaseHandle> | undefined

function db() {
  handle ??= openDatabase(DATABASE_URL)
  return handle.then((h) => h.db)
}

export async function signInAsAdmin(page: Page, admin: TestUser) {
  await page.goto('/admin/sign-in')
  await page.getByLabel('Email').fill(admin.email)
  await page.getByLabel('Password').fill(admin.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page.getByTestId('admin-email')).toHaveText(admin.email)
}

/** The audit rows about one user, oldest first, as (actor, action, target, ip, detail). */
export async function auditRowsFor(target: string) {
  return (await db())
    .selectFrom('admin_audit')
    .select(['actor', 'action', 'target', 'ip', 'detail'])
    .where('target', '=', target)
    .orderBy('id')
    .execute()
}

export async function auditRowCount(): Promise<number> {
  const row = await (
    await db()
  )
    .selectFrom('admin_audit')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function userRow(email: string) {
  return (await db()).selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow()
}

export async function invitationsOf(email: string) {
  const user = await userRow(email)
  return (await db()).selectFrom('invitations').selectAll().where('user_id', '=', user.id).orderBy('created_at').execute()
}

/** Moves the end of the user's open invitation links to just now: the bridge then reads them as expired. */
export async function expireInvitationsOf(email: string): Promise<void> {
  const user = await userRow(email)
  await (
    await db()
  )
    .updateTable('invitations')
    .set({ expires_at: Date.now() - 1 })
    .where('user_id', '=', user.id)
    .where('used_at', 'is', null)
    .execute()
}

/** An authenticator, two recovery codes and a passkey, written as the factor enrolment would leave them. */
export async function giveFactors(email: string): Promise<string> {
  const user = await userRow(email)
  const now = Date.now()
  const conn = await db()
  await conn
    .insertInto('totp_factors')
    .values({ user_id: user.id, sealed_key: 'sealed', confirmed_at: now, last_step: 0, created_at: now })
    .execute()
  await conn
    .insertInto('recovery_codes')
    .values(['1', '2'].map((n) => ({ user_id: user.id, code_hash: `${user.id}-${n}`, used_at: null, created_at: now })))
    .execute()
  await conn
    .insertInto('passkeys')
    .values({
      id: `cred-${user.id}`,
      user_id: user.id,
      name: 'Laptop',
      public_key: 'pk',
      counter: 0,
      transports: '[]',
      device_type: 'singleDevice',
      backed_up: 0,
      created_at: now,
      last_used_at: null,
    })
    .execute()
  return user.id
}

export async function factorRows(userId: string) {
  const conn = await db()
  const [totp, codes, passkeys] = await Promise.all(
    (['totp_factors', 'recovery_codes', 'passkeys'] as const).map((table) =>
      conn.selectFrom(table).select('user_id').where('user_id', '=', userId).execute(),
    ),
  )
  return { totp: totp!.length, codes: codes!.length, passkeys: passkeys!.length }
}

export interface CapturedAction {
  url: string
  headers: Record<string, string>
  body: Buffer
}

/** The server action a click sends, as the browser sent it, and the answer it got. */
export async function captureAction(page: Page, click: () => Promise<void>): Promise<CapturedAction> {
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && r.headers()['next-action'] !== undefined),
    click(),
  ])
  await request.response()
  const headers = await request.allHeaders()
  return { url: request.url(), headers, body: request.postDataBuffer() ?? Buffer.alloc(0) }
}

/** The same server action posted again by whoever `api` is signed in as; the origin is ours unless `origin` says otherwise. */
export function replayAction(
  api: APIRequestContext,
  action: CapturedAction,
  origin?: { origin: string; site: string },
): Promise<APIResponse> {
  return api.post(action.url, {
    headers: {
      'next-action': action.headers['next-action']!,
      'content-type': action.headers['content-type']!,
      accept: 'text/x-component',
      'next-router-state-tree': action.headers['next-router-state-tree'] ?? '',
      origin: origin?.origin ?? APP_URL,
      'sec-fetch-site': origin?.site ?? 'same-origin',
    },
    data: action.body,
    maxRedirects: 0,
  })
}
