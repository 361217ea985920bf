import 'server-only'
import { forbidden, redirect } from 'next/navigation'
import { auth } from './auth'
import { getEnv } from './env'
import { getDb } from './db/client'
import { findUserById } from './users'
import { isSessionFresh } from './session-age'

// Who may review the ledger: people in ADMIN_EMAILS, and local users added with --admin. Checked
// in every admin page, action and route handler itself; proxy.ts decides nothing here.

export const ADMIN_SIGN_IN_PATH = '/admin/sign-in'

export type AdminCheck = { ok: true; email: string } | { ok: false; reason: 'signed_out' | 'forbidden' }

export async function checkAdmin(): Promise<AdminCheck> {
  const session = await auth()
  const identity = session?.identity
  if (!identity?.ok || !isSessionFresh(session?.signedInAt)) return { ok: false, reason: 'signed_out' }
  const { profile } = identity
  const env = getEnv()
  const source = env.sources.find((s) => s.id === profile.source)
  if (!source) return { ok: false, reason: 'signed_out' }

  if (source.type === 'local') {
    // Our own directory: the account must still exist and be enabled.
    const user = await findUserById(await getDb(), profile.subject)
    if (!user || user.disabled) return { ok: false, reason: 'signed_out' }
    if (user.is_admin || env.ADMIN_EMAILS.includes(user.email)) return { ok: true, email: user.email }
    return { ok: false, reason: 'forbidden' }
  }
  // Another source's email counts only when that source verified it: an unverified address equal
  // to an admin's must not open the ledger.
  const email = profile.email.toLowerCase()
  if (profile.emailVerified && env.ADMIN_EMAILS.includes(email)) return { ok: true, email }
  return { ok: false, reason: 'forbidden' }
}

/** For pages and server actions: signed out goes to sign in, a non-admin gets the 403 page. */
export async function requireAdmin(): Promise<string> {
  const check = await checkAdmin()
  if (check.ok) return check.email
  if (check.reason === 'signed_out') redirect(ADMIN_SIGN_IN_PATH)
  forbidden()
}
