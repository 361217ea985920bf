import 'server-only'
import type { Kysely } from 'kysely'
import type { Database, User } from '../db/schema'
import { enqueueMail } from './outbox'

// Queuing the verification message (security.md case 53), apart from its composer
// (lib/mail/verify-email.ts): the operator CLI adds users through lib/admin/user-actions.ts,
// which queues one, and must not load the message templates' translator.

type Db = Kysely<Database>

const DAY_MS = 24 * 3600_000
/** How long a queued verification message is worth sending. */
const VERIFY_MAIL_LIFETIME_MS = DAY_MS
/** Links asked for at /account per hour, so the button cannot be used to flood a mailbox. */
export const VERIFY_REQUESTS_PER_HOUR = 5

/** How many verification messages were queued for the user since `since` (the outbox's user, kind and time index). */
export async function verificationMailsSince(db: Db, userId: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('mail_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('created_at', '>', since)
    .where('user_id', '=', userId)
    .where('kind', '=', 'verify_email')
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

/** Queues a verification message for the user's current address (one insert; `db` may be the caller's transaction). */
export async function queueVerification(db: Db, user: Pick<User, 'id' | 'email'>, locale: string, now = Date.now()): Promise<void> {
  await enqueueMail(db, { kind: 'verify_email', userId: user.id, toEmail: user.email, locale, lifetimeMs: VERIFY_MAIL_LIFETIME_MS, now })
}

/**
 * After a local user's sign-in: an unverified address gets a link, at most one a day. Costs
 * nothing for a verified user, and one indexed select plus at most one insert otherwise.
 */
export async function queueVerificationAfterSignIn(
  db: Db,
  user: Pick<User, 'id' | 'email' | 'email_verified'>,
  locale: string,
  now = Date.now(),
): Promise<boolean> {
  if (user.email_verified === 1) return false
  if ((await verificationMailsSince(db, user.id, now - DAY_MS)) > 0) return false
  await queueVerification(db, user, locale, now)
  return true
}
