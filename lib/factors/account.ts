import 'server-only'
import { auth } from '../auth/config'
import { getDb } from '../db/client'
import { getEnv } from '../env'
import type { User } from '../db/schema'
import { findUserById, sessionStillValid } from '../users/directory'
import { isSessionFresh } from '../auth/session-age'
import { factorsOf, type Factors } from './status'

// Who is at /account: a local user with a fresh, valid bridge session (any purpose), or nobody.

export interface AccountHolder {
  user: User
  source: string
  factors: Factors
}

export async function accountHolder(): Promise<AccountHolder | null> {
  const session = await auth()
  const identity = session?.identity
  if (!identity?.ok || !isSessionFresh(session?.signedInAt)) return null
  const source = getEnv().sources.find((s) => s.id === identity.profile.source)
  if (source?.type !== 'local') return null
  const db = await getDb()
  const user = await findUserById(db, identity.profile.subject)
  if (!user || !sessionStillValid(user, session?.signedInAt)) return null
  return { user, source: source.id, factors: await factorsOf(db, user.id) }
}

/** Whether removing this factor would leave the user without a second one while they are required. */
export function wouldLeaveNoFactor(factors: Factors, removing: 'totp' | 'passkey'): boolean {
  if (getEnv().LOCAL_MFA !== 'required') return false
  const left = (factors.totp && removing !== 'totp' ? 1 : 0) + factors.passkeys.length - (removing === 'passkey' ? 1 : 0)
  return left <= 0
}
