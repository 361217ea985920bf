import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { addUser, findUserByEmail, setUserDisabled } from '../users/directory'
import { issueEmailToken } from './tokens'
import { verifyAddress } from './verify-email'

// Following a verification link (security.md case 53): it verifies the address it was sent to,
// once, before it expires, and only while the account still has that address, on both engines.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL verification link tests: ${pgSkipReason}`)

const HOUR = 3600_000
const NOW = 1_800_000_000_000

describe.each([
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
])('the verification link on $name', ({ name, open, skip }) => {
  let handle: TestDatabase
  beforeAll(async () => {
    if (!skip) handle = await open()
  })
  afterAll(async () => {
    if (!skip) await handle.drop()
  })

  async function person(prefix: string) {
    const email = `${prefix}-${name}@acme.example`
    const user = await addUser(handle.db, { email, name: prefix, password: null })
    const { token } = await issueEmailToken(handle.db, {
      purpose: 'verify_email',
      userId: user.id,
      subject: email,
      ttlMs: 72 * HOUR,
      now: NOW,
    })
    return { user, email, token }
  }

  const verified = async (email: string) => (await findUserByEmail(handle.db, email))?.email_verified

  it.skipIf(skip)('case 53: verifies the address once, with its audit row; a second use is "used"', async () => {
    const { email, token } = await person('verify-once')
    expect(await verified(email)).toBe(0)
    expect(await verifyAddress(handle.db, token, '203.0.113.9', NOW + HOUR)).toEqual({ ok: true, email })
    expect(await verified(email)).toBe(1)
    const audit = await handle.db.selectFrom('admin_audit').selectAll().where('target', '=', email).execute()
    expect(audit.map((row) => [row.action, row.actor, row.ip])).toEqual([['user.verify_email', email, '203.0.113.9']])
    expect(await verifyAddress(handle.db, token, null, NOW + 2 * HOUR)).toEqual({ ok: false, problem: 'used' })
  })

  it.skipIf(skip)('case 53: an expired, unknown or disabled-account link verifies nothing', async () => {
    const late = await person('verify-late')
    expect(await verifyAddress(handle.db, late.token, null, NOW + 73 * HOUR)).toEqual({ ok: false, problem: 'expired' })
    expect(await verified(late.email)).toBe(0)
    expect(await verifyAddress(handle.db, 'A'.repeat(43), null, NOW)).toEqual({ ok: false, problem: 'unknown' })
    const disabled = await person('verify-disabled')
    await setUserDisabled(handle.db, disabled.email, true)
    expect(await verifyAddress(handle.db, disabled.token, null, NOW + HOUR)).toEqual({ ok: false, problem: 'unknown' })
    expect(await verified(disabled.email)).toBe(0)
  })

  it.skipIf(skip)('case 53: a link sent to an address the account no longer has is "changed" and verifies neither', async () => {
    const { user, email, token } = await person('verify-moved')
    const moved = `moved-${name}@acme.example`
    await handle.db.updateTable('users').set({ email: moved }).where('id', '=', user.id).execute()
    expect(await verifyAddress(handle.db, token, null, NOW + HOUR)).toEqual({ ok: false, problem: 'changed' })
    expect(await verified(moved)).toBe(0)
    expect(await findUserByEmail(handle.db, email)).toBeUndefined()
  })
})
