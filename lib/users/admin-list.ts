import 'server-only'
import { sql, type Kysely } from 'kysely'
import type { Database, User } from '../db/schema'
import { userGroups, userRoles } from './directory'
import { describeFactors, loadFactorSummaries } from './factor-summary'

// The local directory as the admin area lists it: searched by email or name, in email order, one
// page at a time (keyset on the email, which is unique). Never the password hash.

export const USERS_PAGE_SIZE = 50
const MAX_QUERY_LENGTH = 100

/** What the admin area shows of every user, on the list and on the user's page. Never the password hash. */
export function directoryFields(
  user: Pick<
    User,
    'id' | 'email' | 'name' | 'is_admin' | 'disabled' | 'email_verified' | 'groups' | 'roles' | 'created_at' | 'last_sign_in_at'
  >,
) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    isAdmin: user.is_admin === 1,
    disabled: user.disabled === 1,
    emailVerified: user.email_verified === 1,
    groups: userGroups(user),
    roles: userRoles(user),
    createdAt: user.created_at,
    /** Null: never signed in. */
    lastSignInAt: user.last_sign_in_at,
  }
}

export type DirectoryListItem = ReturnType<typeof directoryFields> & {
  /** Added by invitation and no password set yet. */
  invited: boolean
  factors: string
}

export interface DirectoryPage {
  items: DirectoryListItem[]
  /** The email to continue after, when there are more. */
  next: string | null
}

/** A LIKE pattern that matches `text` anywhere, its own % _ and \ taken literally. */
function containing(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

export async function listDirectoryPage(db: Kysely<Database>, options: { q?: string; after?: string } = {}): Promise<DirectoryPage> {
  const q = options.q?.trim().slice(0, MAX_QUERY_LENGTH) ?? ''
  let query = db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'is_admin', 'disabled', 'email_verified', 'groups', 'roles', 'created_at', 'last_sign_in_at'])
    // Whether a password is set, not the hash itself.
    .select(sql<number>`case when password_hash = '' then 1 else 0 end`.as('invited'))
    .orderBy('email')
    .limit(USERS_PAGE_SIZE + 1)
  if (q) {
    const pattern = containing(q)
    query = query.where((eb) =>
      eb.or([sql<boolean>`email like ${pattern} escape '\\'`, sql<boolean>`lower(name) like ${pattern} escape '\\'`]),
    )
  }
  if (options.after) query = query.where('email', '>', options.after)
  const rows = await query.execute()
  const shown = rows.slice(0, USERS_PAGE_SIZE)
  const factors = await loadFactorSummaries(
    db,
    shown.map((row) => ({ id: row.id, invited: Number(row.invited) === 1 })),
  )
  const items = shown.map((row) => ({
    ...directoryFields(row),
    invited: Number(row.invited) === 1,
    factors: describeFactors(factors.get(row.id)!),
  }))
  return { items, next: rows.length > USERS_PAGE_SIZE ? (items.at(-1)?.email ?? null) : null }
}
