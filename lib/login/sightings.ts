import 'server-only'
import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'

// The browsers and addresses a local user signed in from (security.md case 54), so that a sign-in
// from a new one can be told apart for the new-sign-in alert. A browser is a random id in a
// long-lived HttpOnly cookie; both are stored only as SHA-256, never as they are.

type Db = Kysely<Database>

const BROWSER_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/

/** The cookie's longest life browsers allow (400 days). */
const BROWSER_COOKIE_MAX_AGE_S = 400 * 24 * 3600

export function browserCookieName(secure: boolean): string {
  return secure ? '__Host-bridge_device' : 'bridge_device'
}

export function browserCookieOptions(secure: boolean) {
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/', maxAge: BROWSER_COOKIE_MAX_AGE_S }
}

/** The browser's id from its cookie, or a new one when it has none (or one not of our making). */
export function browserIdFrom(cookie: string | undefined): { id: string; isNew: boolean } {
  if (cookie && BROWSER_ID_PATTERN.test(cookie)) return { id: cookie, isNew: false }
  return { id: randomBytes(32).toString('base64url'), isNew: true }
}

function sightingHash(kind: 'browser' | 'address', value: string): string {
  return createHash('sha256').update(`${kind}:${value}`).digest('hex')
}

export interface Sighting {
  /** The user had signed in (from anywhere) before. */
  seenBefore: boolean
  newBrowser: boolean
  /** False when the address is unknown (null). */
  newAddress: boolean
}

/**
 * Records that the user signed in from this browser and address, and answers what was new. Two
 * queries on the primary key's prefix and one upsert: cheap enough to run as a login completes.
 */
export async function noteSighting(
  db: Db,
  input: { userId: string; browserId: string; ip: string | null; now: number },
): Promise<Sighting> {
  const { userId, now } = input
  const seen: Array<{ kind: 'browser' | 'address'; value_hash: string }> = [
    { kind: 'browser', value_hash: sightingHash('browser', input.browserId) },
  ]
  if (input.ip) seen.push({ kind: 'address', value_hash: sightingHash('address', input.ip) })
  const known = await db
    .selectFrom('known_sign_ins')
    .select(['kind', 'value_hash'])
    .where('user_id', '=', userId)
    .where((eb) => eb.or(seen.map((s) => eb.and([eb('kind', '=', s.kind), eb('value_hash', '=', s.value_hash)]))))
    .execute()
  const isKnown = (kind: 'browser' | 'address') => known.some((row) => row.kind === kind)
  const seenBefore =
    known.length > 0 ||
    (await db.selectFrom('known_sign_ins').select('kind').where('user_id', '=', userId).limit(1).executeTakeFirst()) !== undefined
  await db
    .insertInto('known_sign_ins')
    .values(seen.map((s) => ({ user_id: userId, ...s, first_seen_at: now, last_seen_at: now })))
    .onConflict((oc) => oc.columns(['user_id', 'kind', 'value_hash']).doUpdateSet({ last_seen_at: now }))
    .execute()
  return { seenBefore, newBrowser: !isKnown('browser'), newAddress: input.ip !== null && !isKnown('address') }
}

/** An alert is due when the user signed in before, and this browser or this address is new. */
export function alertDue(sighting: Sighting): boolean {
  return sighting.seenBefore && (sighting.newBrowser || sighting.newAddress)
}

/** A short, readable summary of a User-Agent ("Chrome on Linux"), for the alert. */
export function browserSummary(userAgent: string | null): string {
  if (!userAgent) return '?'
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /(Chrome|Chromium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : (/^([A-Za-z][\w.-]{0,30})\//.exec(userAgent)?.[1] ?? '?')
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad|iOS/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(userAgent)
          ? 'macOS'
          : /Linux|X11/.test(userAgent)
            ? 'Linux'
            : null
  return os ? `${browser}, ${os}` : browser
}
