import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'
import { getEnv } from '../env'
import { factorsOf, secondStepAfterPassword } from './status'

// LOCAL_MFA (off | optional | required) and a server's "requireMfa": when the local directory asks
// for more than a password.

/** What must follow a right password for this user: a code, enrolment, their passkey, or nothing. */
export async function secondStepFor(db: Kysely<Database>, userId: string, serverRequires = false) {
  const mode = getEnv().LOCAL_MFA
  if (mode === 'off' && !serverRequires) return null
  return secondStepAfterPassword(await factorsOf(db, userId), mode === 'required' || serverRequires)
}

/** When the person last signed in, for the admin area's list; a failure here never fails a sign-in. */
export async function noteSignIn(db: Kysely<Database>, userId: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ last_sign_in_at: Date.now() })
    .where('id', '=', userId)
    .execute()
    .catch(() => undefined)
}
