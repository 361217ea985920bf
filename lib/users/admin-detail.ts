import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'
import { findUserById, isInvited } from './directory'
import { directoryFields } from './admin-list'
import { loadFactorSummaries, type FactorSummary } from './factor-summary'

// One user of the local directory as the admin area's user page shows it. Never the password hash.

export type DirectoryUserDetail = ReturnType<typeof directoryFields> & {
  /** When the user was last signed out everywhere; null: never. */
  sessionsRevokedAt: number | null
  invited: boolean
  /** When the newest open invitation link stops working; null when none is open. */
  invitationExpiresAt: number | null
  factors: FactorSummary
}

export async function loadUserDetail(db: Kysely<Database>, id: string, now = Date.now()): Promise<DirectoryUserDetail | null> {
  const user = await findUserById(db, id)
  if (!user) return null
  const invited = isInvited(user)
  const [factors, invitation] = await Promise.all([
    loadFactorSummaries(db, [{ id: user.id, invited }]),
    db
      .selectFrom('invitations')
      .select('expires_at')
      .where('user_id', '=', user.id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('expires_at', 'desc')
      .executeTakeFirst(),
  ])
  return {
    ...directoryFields(user),
    sessionsRevokedAt: user.sessions_revoked_at || null,
    invited,
    invitationExpiresAt: invitation?.expires_at ?? null,
    factors: factors.get(user.id)!,
  }
}
