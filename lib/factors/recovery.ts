import 'server-only'
import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema'

// Ten recovery codes, shown once, stored as SHA-256 (each carries 80 random bits, so a fast hash
// is enough), each usable once. A new set replaces the old one.

const COUNT = 10
// Crockford's base32 without look-alikes: what a person copies from paper reads back the same.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

const RECOVERY_CODE_PATTERN = /^[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}$/

function newCode(): string {
  const bytes = randomBytes(16)
  const chars = [...bytes].map((byte) => ALPHABET[byte % 32]).join('')
  return chars.match(/.{4}/g)!.join('-')
}

/** Upper case, no dashes or spaces; O, I and L read as 0, 1 and 1 as Crockford's base32 says. */
function normalise(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
}

function hashOf(code: string): string {
  return createHash('sha256').update(normalise(code)).digest('hex')
}

/** A new set of codes for the user, replacing any earlier set; the only time they are readable. */
export async function replaceRecoveryCodes(db: Kysely<Database>, userId: string): Promise<string[]> {
  const codes = Array.from({ length: COUNT }, newCode)
  const now = Date.now()
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
    await trx
      .insertInto('recovery_codes')
      .values(codes.map((code) => ({ user_id: userId, code_hash: hashOf(code), used_at: null, created_at: now })))
      .execute()
  })
  return codes
}

/** Uses a code: true once for each of the user's unused codes, false for anything else. */
export async function redeemRecoveryCode(db: Kysely<Database>, userId: string, code: string): Promise<boolean> {
  if (!RECOVERY_CODE_PATTERN.test(code.trim())) return false
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: Date.now() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hashOf(code.trim()))
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function removeRecoveryCodes(db: Kysely<Database>, userId: string): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
}
