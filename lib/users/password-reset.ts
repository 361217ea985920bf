import 'server-only'
import type { Kysely } from 'kysely'
import { writeAudit } from '../admin/audit'
import type { Database } from '../db/schema'
import { claimEmailToken, endEmailTokens, findEmailToken, type EmailTokenProblem } from '../mail/tokens'
import { findUserById } from './directory'
import { checkPasswordPolicy, hashPassword } from './passwords'
import { Rollback, unlessRolledBack } from '../db/rollback'

// Setting a new password from an emailed reset link (security.md case 52): the link works once
// (claimed in the same transaction as the change), the new password follows the CLI's policy, and
// the change ends every session of the account, on every instance (sessions_revoked_at, which
// lib/users/directory.ts's sessionStillValid reads), and every other open reset link. It signs
// nobody in.

type Db = Kysely<Database>

export type ResetLinkStatus = { ok: true; userId: string; email: string } | { ok: false; problem: EmailTokenProblem }

/** What a reset link stands for now: whose password it sets, or why it no longer works. */
export async function findResetLink(db: Db, token: string, now = Date.now()): Promise<ResetLinkStatus> {
  const found = await findEmailToken(db, 'password_reset', token, now)
  if (!found.ok) return found
  const user = await findUserById(db, found.userId)
  // An account disabled since the message was sent: the link is as good as expired.
  if (!user || user.disabled) return { ok: false, problem: 'expired' }
  return { ok: true, userId: user.id, email: user.email }
}

export type ResetResult = { ok: true; email: string } | { ok: false; policy: string } | { ok: false; problem: EmailTokenProblem }

export async function resetPassword(
  db: Db,
  input: { token: string; password: string; ip: string | null; now?: number },
): Promise<ResetResult> {
  const policy = checkPasswordPolicy(input.password)
  if (policy) return { ok: false, policy }
  const found = await findResetLink(db, input.token, input.now)
  if (!found.ok) return found
  // The slow hash runs before the transaction, so it never holds the database.
  const passwordHash = await hashPassword(input.password)
  const now = input.now ?? Date.now()
  const changed = await unlessRolledBack(
    db.transaction().execute(async (trx) => {
      if (!(await claimEmailToken(trx, 'password_reset', input.token, now))) return false
      const updated = await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: now, sessions_revoked_at: now })
        .where('id', '=', found.userId)
        .where('disabled', '=', 0)
        .executeTakeFirst()
      // Disabled (or removed) between reading the link and using it.
      if (Number(updated.numUpdatedRows) !== 1) throw new Rollback()
      await endEmailTokens(trx, found.userId, 'password_reset', now)
      await writeAudit(
        trx,
        { actor: `self:${found.email}`, ip: input.ip },
        { action: 'user.password_reset', target: found.email, detail: { sessions_revoked_at: now }, at: now },
      )
      return true
    }),
    false,
  )
  if (changed) return { ok: true, email: found.email }
  // Another submission won the race, the link expired meanwhile, or the account was disabled.
  const after = await findResetLink(db, input.token, now)
  return { ok: false, problem: after.ok ? 'used' : after.problem }
}
