import 'server-only'
import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'
import { endEmailTokens } from '../mail/tokens'
import { checkPasswordPolicy, hashPassword } from './passwords'
import { isInvited } from './directory'
import { Rollback, unlessRolledBack } from '../db/rollback'

// An invitation: a link that lets a person added by an administrator set their own password, so
// the administrator never sees or types it. The link carries 32 random bytes; only their SHA-256
// is stored. It works once, until it expires, and only while the account has no password: a
// newer invitation ends it, and so does a password set any other way (a reset link, the CLI).

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** The created_by of an invitation the mail worker issued and sent to the person's address (`mail:<admin email>`). */
const EMAILED_BY = 'mail:'

export function invitationPath(token: string): string {
  return `/invite/${token}`
}

/**
 * A new invitation for the user, valid for `ttlMs` from `now`; the user's earlier invitations that
 * are still open stop working. Answers with the token, which appears only in the link.
 */
export async function issueInvitation(
  db: Kysely<Database>,
  input: { userId: string; createdBy: string; ttlMs: number; now: number },
): Promise<{ token: string; expiresAt: number }> {
  await db
    .updateTable('invitations')
    .set({ expires_at: input.now })
    .where('user_id', '=', input.userId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', input.now)
    .execute()
  const token = randomBytes(32).toString('base64url')
  const expiresAt = input.now + input.ttlMs
  await db
    .insertInto('invitations')
    .values({
      token_hash: tokenHash(token),
      user_id: input.userId,
      created_by: input.createdBy,
      created_at: input.now,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute()
  return { token, expiresAt }
}

type InvitationProblem = 'used' | 'expired' | 'unknown'

export type InvitationStatus =
  { ok: true; userId: string; email: string; name: string; expiresAt: number } | { ok: false; problem: InvitationProblem }

/** What a link stands for right now: open (with whom it is for), or why it no longer works. */
export async function findInvitation(db: Kysely<Database>, token: string, now = Date.now()): Promise<InvitationStatus> {
  if (!TOKEN_PATTERN.test(token)) return { ok: false, problem: 'unknown' }
  const row = await db
    .selectFrom('invitations')
    .innerJoin('users', 'users.id', 'invitations.user_id')
    .select(['invitations.user_id', 'invitations.expires_at', 'invitations.used_at', 'users.email', 'users.name', 'users.password_hash'])
    .where('invitations.token_hash', '=', tokenHash(token))
    .executeTakeFirst()
  if (!row) return { ok: false, problem: 'unknown' }
  // The person has a password by now (a reset link, the CLI): the invitation is spent.
  if (row.used_at !== null || !isInvited(row)) return { ok: false, problem: 'used' }
  if (row.expires_at <= now) return { ok: false, problem: 'expired' }
  return { ok: true, userId: row.user_id, email: row.email, name: row.name, expiresAt: row.expires_at }
}

export type AcceptResult = { ok: true; email: string } | { ok: false; problem: InvitationProblem } | { ok: false; policy: string }

/**
 * Sets the invited user's password and uses up the link, both or neither: the link is claimed with
 * one conditional update (unused, unexpired), so of two submissions at once only one gets it.
 * `onAccepted` runs in the same transaction (the audit row).
 */
export async function acceptInvitation(
  db: Kysely<Database>,
  input: { token: string; password: string; now?: number },
  onAccepted: (trx: Kysely<Database>, email: string, now: number) => Promise<void>,
): Promise<AcceptResult> {
  const policy = checkPasswordPolicy(input.password)
  if (policy) return { ok: false, policy }
  const found = await findInvitation(db, input.token, input.now)
  if (!found.ok) return found
  const passwordHash = await hashPassword(input.password)
  const now = input.now ?? Date.now()
  const claimed = await unlessRolledBack(
    db.transaction().execute(async (trx) => {
      const claim = await trx
        .updateTable('invitations')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash(input.token))
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      if (Number(claim.numUpdatedRows) !== 1) return false
      // An invitation that went to the address by email proves the person reads that address.
      const issued = await trx
        .selectFrom('invitations')
        .select('created_by')
        .where('token_hash', '=', tokenHash(input.token))
        .executeTakeFirst()
      const verified = issued?.created_by.startsWith(EMAILED_BY) ? { email_verified: 1 } : {}
      const updated = await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: now, ...verified })
        .where('id', '=', found.userId)
        .where('password_hash', '=', '')
        .executeTakeFirst()
      // A password set meanwhile (a reset link, the CLI): the invitation was spent; undo the claim.
      if (Number(updated.numUpdatedRows) !== 1) throw new Rollback()
      await endEmailTokens(trx, found.userId, 'password_reset', now)
      await onAccepted(trx, found.email, now)
      return true
    }),
    false,
  )
  if (claimed) return { ok: true, email: found.email }
  // Another submission won the race, or the link expired meanwhile: say which, as the page would.
  const after = await findInvitation(db, input.token, now)
  return { ok: false, problem: after.ok ? 'used' : after.problem }
}
