import { describe, expect, it } from 'vitest'
import { toScalekitUser, type IdentityProfile } from './claims'

const profile: IdentityProfile = {
  source: 'local',
  subject: '6f1c',
  email: ' Alice@Example.COM ',
  emailVerified: false,
  name: 'Alice Doe',
}

describe('toScalekitUser', () => {
  it('maps what the source knows and leaves the rest out', () => {
    expect(toScalekitUser(profile, { namespaceSubjects: false })).toEqual({
      ok: true,
      user: { sub: '6f1c', email: 'alice@example.com', emailVerified: false, name: 'Alice Doe' },
    })
  })

  it('claims emailVerified only when the source verified it', () => {
    const result = toScalekitUser({ ...profile, emailVerified: true, groups: ['eng'], roles: ['admin'] }, { namespaceSubjects: false })
    expect(result).toMatchObject({ ok: true, user: { emailVerified: true, groups: ['eng'], roles: ['admin'] } })
    const unverified = toScalekitUser({ ...profile, emailVerified: 'yes' as unknown as boolean }, { namespaceSubjects: false })
    expect(unverified).toMatchObject({ ok: true, user: { emailVerified: false } })
  })

  it('namespaces subjects by source when asked', () => {
    expect(toScalekitUser(profile, { namespaceSubjects: true })).toMatchObject({ ok: true, user: { sub: 'local|6f1c' } })
  })

  it('refuses a profile without a usable email or subject', () => {
    expect(toScalekitUser({ ...profile, email: 'not-an-email' }, { namespaceSubjects: false }).ok).toBe(false)
    expect(toScalekitUser({ ...profile, subject: '' }, { namespaceSubjects: false }).ok).toBe(false)
  })

  it('keeps markup in names as data', () => {
    const result = toScalekitUser({ ...profile, name: '<img src=x onerror=alert(1)>"\r\n' }, { namespaceSubjects: false })
    expect(result).toMatchObject({ ok: true, user: { name: '<img src=x onerror=alert(1)>"' } })
  })
})
