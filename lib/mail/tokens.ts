import 'server-only'
import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database, EmailTokenPurpose } from '../db/schema'

// The links a message carries: 32 random bytes in the link, only their SHA-256 stored. Each works
// once, until it expires; a newer link of the same purpose for the same person ends the older ones.

type Db = Kysely<Database>

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export async function issueEmailToken(
  db: Db,
  input: { purpose: EmailTokenPurpose; userId: string; subject?: string | null; ttlMs: number; now: number; keepOthers?: boolean },
): Promise<{ token: string; expiresAt: number }> {
  if (!input.keepOthers) await endEmailTokens(db, input.userId, input.purpose, input.now)
  const token = randomBytes(32).toString('base64url')
  const expiresAt = input.now + input.ttlMs
  await db
    .insertInto('email_tokens')
    .values({
      token_hash: tokenHash(token),
      purpose: input.purpose,
      user_id: input.userId,
      subject: input.subject ?? null,
      created_at: input.now,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute()
  return { token, expiresAt }
}

/** Ends every open link of `purpose` for the user (a newer one was sent, or the password changed). */
export async function endEmailTokens(db: Db, userId: string, purpose: EmailTokenPurpose, now = Date.now()): Promise<void> {
  await db
    .updateTable('email_tokens')
    .set({ expires_at: now })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .execute()
}

export type EmailTokenProblem = 'used' | 'expired' | 'unknown'

export type EmailTokenStatus =
  { ok: true; userId: string; subject: string | null; expiresAt: number } | { ok: false; problem: EmailTokenProblem }

/** What a link stands for right now: open (for whom, about what), or why it no longer works. */
export async function findEmailToken(db: Db, purpose: EmailTokenPurpose, token: string, now = Date.now()): Promise<EmailTokenStatus> {
  if (!TOKEN_PATTERN.test(token)) return { ok: false, problem: 'unknown' }
  const row = await db
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash(token))
    .where('purpose', '=', purpose)
    .executeTakeFirst()
  if (!row) return { ok: false, problem: 'unknown' }
  if (row.used_at !== null) return { ok: false, problem: 'used' }
  if (row.expires_at <= now) return { ok: false, problem: 'expired' }
  return { ok: true, userId: row.user_id, subject: row.subject, expiresAt: row.expires_at }
}

/**
 * Uses the link up with one conditional update (unused, unexpired), so of two submissions at once
 * only one gets it. Run it in the transaction that does what the link is for.
 */
export async function claimEmailToken(db: Db, purpose: EmailTokenPurpose, token: string, now: number): Promise<boolean> {
  if (!TOKEN_PATTERN.test(token)) return false
  const claim = await db
    .updateTable('email_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  return Number(claim.numUpdatedRows) === 1
}
