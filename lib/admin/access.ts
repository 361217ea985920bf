import 'server-only'
import type { Kysely } from 'kysely'
import { headers } from 'next/headers'
import { forbidden, redirect, unstable_rethrow } from 'next/navigation'
import type { Database } from '../db/schema'
import { errorText, logEvent } from '../server/log'
import { auth } from '../auth/config'
import { getEnv } from '../env'
import { getDb } from '../db/client'
import { findUserById, sessionStillValid } from '../users/directory'
import { isSessionFresh } from '../auth/session-age'
import { isOwnPagesPost } from '../server/cross-site'
import { PEER_ADDRESS_HEADER } from '../server/peer-address'
import { isVerifiedAdminEmail } from './admins'
import type { Actor } from './audit'

// Who may review the ledger: people in ADMIN_EMAILS, and local users added with --admin. Checked
// in every admin page, action and route handler itself; proxy.ts decides nothing here.

export const ADMIN_SIGN_IN_PATH = '/admin/sign-in'
/** Answers 503 (the status is set in proxy.ts): the ledger cannot be read right now. */
const ADMIN_UNAVAILABLE_PATH = '/admin/unavailable'

export type AdminCheck = { ok: true; email: string } | { ok: false; reason: 'signed_out' | 'forbidden' | 'unavailable' }

export async function checkAdmin(): Promise<AdminCheck> {
  const session = await auth()
  const identity = session?.identity
  if (!identity?.ok || !isSessionFresh(session?.signedInAt)) return { ok: false, reason: 'signed_out' }
  const { profile } = identity
  const env = getEnv()
  const source = env.sources.find((s) => s.id === profile.source)
  if (!source) return { ok: false, reason: 'signed_out' }

  if (source.type === 'local') {
    // Our own directory: the account must still exist, be enabled and not signed out everywhere.
    const user = await getDb()
      .then((db) => findUserById(db, profile.subject))
      .catch((error: unknown) => {
        logEvent('admin_database_unavailable', { error: errorText(error) })
        return 'unavailable' as const
      })
    if (user === 'unavailable') return { ok: false, reason: 'unavailable' }
    if (!user || !sessionStillValid(user, session?.signedInAt)) return { ok: false, reason: 'signed_out' }
    if (user.is_admin || env.ADMIN_EMAILS.includes(user.email)) return { ok: true, email: user.email }
    return { ok: false, reason: 'forbidden' }
  }
  // Another source's email counts only when that source verified it.
  if (isVerifiedAdminEmail(profile, env.ADMIN_EMAILS)) return { ok: true, email: profile.email.toLowerCase() }
  return { ok: false, reason: 'forbidden' }
}

/** For pages and server actions: signed out goes to sign in, a non-admin gets the 403 page. */
export async function requireAdmin(): Promise<string> {
  const check = await checkAdmin()
  if (check.ok) return check.email
  if (check.reason === 'signed_out') redirect(ADMIN_SIGN_IN_PATH)
  if (check.reason === 'unavailable') redirect(ADMIN_UNAVAILABLE_PATH)
  forbidden()
}

/**
 * For server actions that change something: a POST from this site (proxy.ts refuses others first;
 * this holds without it) by an admin whose session still counts. Answers with who and from where.
 */
export async function requireAdminPost(): Promise<Actor> {
  const h = await headers()
  if (!isOwnPagesPost(h)) {
    forbidden()
  }
  const email = await requireAdmin()
  return { actor: email, ip: h.get(PEER_ADDRESS_HEADER) || null }
}

/**
 * Reads the ledger for an admin page; the database failing (down, restarting) leads to the 503
 * page instead of a 500, and the next request tries again.
 */
export async function readLedger<T>(load: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  try {
    return await load(await getDb())
  } catch (error) {
    unstable_rethrow(error)
    logEvent('admin_database_unavailable', { error: errorText(error) })
    redirect(ADMIN_UNAVAILABLE_PATH)
  }
}
