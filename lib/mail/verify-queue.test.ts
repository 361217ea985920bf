import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { queueVerificationAfterSignIn, verificationMailsSince } from './verify-queue'

// The verification message a sign-in queues (security.md case 53): only for an unverified
// address, at most one a day, on both engines.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL verification queue tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

const DAY = 24 * 3600_000

describe.each(engines)('the verification queue on $name', ({ open, skip }) => {
  let handle: TestDatabase
  beforeAll(async () => {
    if (!skip) handle = await open()
  })
  afterAll(async () => {
    if (!skip) await handle.drop()
  })

  it.skipIf(skip)('case 53: a sign-in queues one link a day for an unverified address, none for a verified one', async () => {
    const user = { id: `u-${Math.random().toString(36).slice(2)}`, email: 'Person@Example.com', email_verified: 0 }
    const now = 10 * DAY
    expect(await queueVerificationAfterSignIn(handle.db, user, 'de', now)).toBe(true)
    expect(await queueVerificationAfterSignIn(handle.db, user, 'de', now + DAY - 1)).toBe(false)
    expect(await queueVerificationAfterSignIn(handle.db, { ...user, email_verified: 1 }, 'de', now + 2 * DAY)).toBe(false)
    expect(await queueVerificationAfterSignIn(handle.db, user, 'de', now + DAY + 1)).toBe(true)
    expect(await verificationMailsSince(handle.db, user.id, 0)).toBe(2)
    const rows = await handle.db.selectFrom('mail_outbox').selectAll().where('user_id', '=', user.id).execute()
    expect(rows.map((row) => [row.kind, row.to_email, row.locale, row.params])).toEqual([
      ['verify_email', 'person@example.com', 'de', '{}'],
      ['verify_email', 'person@example.com', 'de', '{}'],
    ])
  })
})
