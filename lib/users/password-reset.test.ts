import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresForTest, openSqliteForTest, postgresAvailable, type TestDatabase } from '../db/testing'
import { findEmailToken, issueEmailToken } from '../mail/tokens'
import { addUser, findUserById, setUserPassword, verifyCredentials } from './directory'
import { resetPassword } from './password-reset'

// Case 52 on both engines: a reset link sets a password under the CLI's policy once, ends every
// session and every other reset link of the account, and leaves an audit row; a password set
// another way (the CLI) ends the open links too.

const pgSkipReason = await postgresAvailable()
if (pgSkipReason) console.warn(`SKIPPED: the PostgreSQL password-reset tests: ${pgSkipReason}`)

const engines = [
  { name: 'sqlite', open: openSqliteForTest, skip: false },
  { name: 'postgres', open: openPostgresForTest, skip: pgSkipReason !== null },
]

describe.each(engines)('password reset on $name', ({ open, skip }) => {
  let handle: TestDatabase
  beforeAll(async () => {
    if (!skip) handle = await open()
  })
  afterAll(async () => {
    if (!skip) await handle.drop()
  })

  const person = (prefix: string) =>
    addUser(handle.db, { email: `${prefix}-${Math.random().toString(36).slice(2)}@example.test`, name: prefix, password: 'old password 1' })
  const link = (userId: string, now = Date.now()) =>
    issueEmailToken(handle.db, { purpose: 'password_reset', userId, ttlMs: 60_000, now, keepOthers: true })

  it.skipIf(skip)('case 52: sets the password once, ends every session and the other links, and writes the audit row', async () => {
    const user = await person('reset')
    const other = await link(user.id)
    const { token } = await link(user.id)
    expect(await resetPassword(handle.db, { token, password: 'short', ip: null })).toEqual({
      ok: false,
      policy: 'Passwords need at least 8 characters.',
    })
    const now = Date.now()
    expect(await resetPassword(handle.db, { token, password: 'new password 2', ip: '192.0.2.4', now })).toEqual({
      ok: true,
      email: user.email,
    })
    expect(await resetPassword(handle.db, { token, password: 'new password 3', ip: null })).toEqual({ ok: false, problem: 'used' })
    expect(await verifyCredentials(handle.db, user.email, 'new password 2')).not.toBeNull()
    expect(await verifyCredentials(handle.db, user.email, 'old password 1')).toBeNull()
    expect(await findUserById(handle.db, user.id)).toMatchObject({ sessions_revoked_at: now, updated_at: now })
    expect(await findEmailToken(handle.db, 'password_reset', other.token)).toEqual({ ok: false, problem: 'expired' })
    const audit = await handle.db.selectFrom('admin_audit').selectAll().where('target', '=', user.email).execute()
    expect(audit).toMatchObject([{ actor: `self:${user.email}`, action: 'user.password_reset', ip: '192.0.2.4' }])
  })

  it.skipIf(skip)('case 52: an expired link changes nothing', async () => {
    const user = await person('late')
    const { token } = await link(user.id, Date.now() - 120_000)
    expect(await resetPassword(handle.db, { token, password: 'new password 2', ip: null })).toEqual({ ok: false, problem: 'expired' })
    expect(await verifyCredentials(handle.db, user.email, 'old password 1')).not.toBeNull()
  })

  it.skipIf(skip)('case 52: a password set with the CLI ends the open reset links', async () => {
    const user = await person('cli')
    const { token } = await link(user.id)
    await setUserPassword(handle.db, user.email, 'cli password 3')
    expect(await findEmailToken(handle.db, 'password_reset', token)).toEqual({ ok: false, problem: 'expired' })
  })
})
