import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openSqliteForTest, type TestDatabase } from '../db/testing'
import { toScalekitUser } from '../sources/claims'
import { addUser, findUserByEmail } from '../users/directory'
import { localIdentity } from './providers'

// next-auth's modules load only inside a Next.js build; the providers themselves are not under
// test here, only how a local user becomes the identity sent to Scalekit.
vi.mock('next-auth', () => ({
  AuthError: class extends Error {},
  CredentialsSignin: class extends Error {},
  customFetch: Symbol('custom-fetch'),
}))
vi.mock('next-auth/providers/credentials', () => ({ default: () => ({}) }))

describe('a local user as an identity', () => {
  let handle: TestDatabase
  beforeAll(async () => {
    handle = await openSqliteForTest()
  })
  afterAll(async () => {
    await handle?.drop()
  })

  const scalekitUser = async (email: string) => {
    const user = await findUserByEmail(handle.db, email)
    const identity = localIdentity('local', user!)
    if (!identity.ok) throw new Error('expected an identity')
    return { identity, sent: toScalekitUser(identity.profile, { namespaceSubjects: false }) }
  }

  it('claims the groups and roles of the local directory', async () => {
    const user = await addUser(handle.db, {
      email: 'dana@example.com',
      name: 'Dana',
      password: 'correct horse',
      emailVerified: true,
      groups: ['eng', 'on-call'],
      roles: ['editor'],
    })
    const { identity, sent } = await scalekitUser('dana@example.com')
    expect(identity.profile).toMatchObject({ groups: ['eng', 'on-call'], roles: ['editor'] })
    expect(sent).toEqual({
      ok: true,
      user: { sub: user.id, email: 'dana@example.com', emailVerified: true, name: 'Dana', groups: ['eng', 'on-call'], roles: ['editor'] },
    })
  })

  it('claims no groups or roles for a user without them (an admin too), or with unreadable stored lists', async () => {
    const user = await addUser(handle.db, { email: 'eli@example.com', name: 'Eli', password: 'correct horse', isAdmin: true })
    const plain = await scalekitUser('eli@example.com')
    expect(plain.identity.profile).not.toHaveProperty('groups')
    expect(plain.identity.profile).not.toHaveProperty('roles')
    expect(plain.sent).toEqual({ ok: true, user: { sub: user.id, email: 'eli@example.com', emailVerified: false, name: 'Eli' } })

    await handle.db.updateTable('users').set({ groups: 'not json', roles: '{"admin":true}' }).where('id', '=', user.id).execute()
    const broken = await scalekitUser('eli@example.com')
    expect(broken.sent).toEqual(plain.sent)
  })

  it('says how the person signed in when told (a password: pwd), in the identity and in customAttributes.amr', async () => {
    const user = await addUser(handle.db, { email: 'fay@example.com', name: 'Fay', password: 'correct horse' })
    const identity = localIdentity('local', (await findUserByEmail(handle.db, 'fay@example.com'))!, ['pwd'])
    if (!identity.ok) throw new Error('expected an identity')
    expect(identity.profile.amr).toEqual(['pwd'])
    expect(toScalekitUser(identity.profile, { namespaceSubjects: false })).toEqual({
      ok: true,
      user: { sub: user.id, email: 'fay@example.com', emailVerified: false, name: 'Fay', customAttributes: { amr: ['pwd'] } },
    })
  })
})
