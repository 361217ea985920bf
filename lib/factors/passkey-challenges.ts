import 'server-only'
import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import { sealData, unsealData } from 'iron-session'
import type { Database } from '../db/schema'
import { getEnv } from '../env'

// A passkey's challenge travels in a token sealed with SESSION_SECRET, good for 5 minutes, that the
// browser sends back with its answer: nothing is stored when a challenge is issued. A used one is
// remembered (as a hash) until it expires, so each is good once, on every instance.

type Db = Kysely<Database>

const CHALLENGE_TTL_SECONDS = 300

export interface RelyingParty {
  name: string
  id: string
  origin: string
  /** Seals the challenge tokens. */
  secret: string
}

export function relyingParty(): RelyingParty {
  const env = getEnv()
  const url = new URL(env.APP_URL)
  return { name: url.host, id: url.hostname, origin: url.origin, secret: env.SESSION_SECRET }
}

interface ChallengeToken {
  challenge: string
  /** Epoch ms: iron-session allows a minute of clock skew past its ttl, so the age is checked here too. */
  issuedAt: number
  kind: 'register' | 'authenticate'
  userId?: string
  loginRequestId?: string
}

export function issueToken(rp: RelyingParty, token: ChallengeToken): Promise<string> {
  return sealData(token, { password: rp.secret, ttl: CHALLENGE_TTL_SECONDS })
}

export async function openToken(
  rp: RelyingParty,
  sealed: unknown,
  kind: ChallengeToken['kind'],
  now: number,
): Promise<ChallengeToken | null> {
  if (typeof sealed !== 'string' || !sealed || sealed.length > 2000) return null
  try {
    const token = await unsealData<Partial<ChallengeToken>>(sealed, { password: rp.secret, ttl: CHALLENGE_TTL_SECONDS })
    if (token.kind !== kind || typeof token.challenge !== 'string' || !token.challenge) return null
    if (typeof token.issuedAt !== 'number' || now - token.issuedAt > CHALLENGE_TTL_SECONDS * 1000 || token.issuedAt > now + 60_000)
      return null
    return token as ChallengeToken
  } catch {
    return null
  }
}

/**
 * Marks the challenge used; false when it already was. The expired rows go now and then (a used
 * challenge older than its token can never come back: the token is refused first).
 */
export async function spendChallenge(db: Db, challenge: string, now = Date.now()): Promise<boolean> {
  const hash = createHash('sha256').update(challenge).digest('hex')
  if (Math.random() < 0.05) await db.deleteFrom('used_challenges').where('expires_at', '<', now).execute()
  const row = await db
    .insertInto('used_challenges')
    .values({ hash, expires_at: now + CHALLENGE_TTL_SECONDS * 1000 })
    .onConflict((conflict) => conflict.column('hash').doNothing())
    .returning('hash')
    .executeTakeFirst()
  return row !== undefined
}
