import 'server-only'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'

// `npm run ledger -- purge`: what email leaves behind. Messages sent, dropped or failed before the
// ledger's cutoff (pending ones stay, whatever their age); links that expired or were used a day
// ago or more (a day later, the page still says "used" rather than "unknown"); and the browsers and
// addresses a person has not signed in from since the cutoff, except the last they signed in from.

const DAY_MS = 24 * 3600 * 1000

export async function purgeMail(
  db: Kysely<Database>,
  olderThan: number,
  now = Date.now(),
): Promise<{ messages: number; links: number; sightings: number }> {
  const messages = await db
    .deleteFrom('mail_outbox')
    .where('status', '!=', 'pending')
    .where('created_at', '<', olderThan)
    .executeTakeFirst()
  const links = await db
    .deleteFrom('email_tokens')
    .where((eb) => eb.or([eb('expires_at', '<', now - DAY_MS), eb('used_at', '<', now - DAY_MS)]))
    .executeTakeFirst()
  const sightings = await db
    .deleteFrom('known_sign_ins')
    .where('last_seen_at', '<', olderThan)
    // Each person's latest sighting stays, whatever its age: after a long absence, a sign-in from
    // a new browser is still one from a new browser (an alert), not a first sign-in (none).
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('known_sign_ins as newer')
          .select('newer.kind')
          .whereRef('newer.user_id', '=', 'known_sign_ins.user_id')
          .whereRef('newer.last_seen_at', '>', 'known_sign_ins.last_seen_at'),
      ),
    )
    .executeTakeFirst()
  return {
    messages: Number(messages.numDeletedRows),
    links: Number(links.numDeletedRows),
    sightings: Number(sightings.numDeletedRows),
  }
}
