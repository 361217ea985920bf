import { describe, expect, it } from 'vitest'
import { boundIdentity, MAX_IDENTITY_BYTES } from './bound-identity'
import type { MappedIdentity } from './claims'

const profile = { source: 'corp', subject: 'emp-1', email: 'casey@company.test', emailVerified: true, name: 'Casey' }

describe('boundIdentity (case 36)', () => {
  it('keeps an ordinary profile as it is', () => {
    const identity: MappedIdentity = { ok: true, profile: { ...profile, groups: ['support', 'mcp-users'] } }
    expect(boundIdentity(identity)).toBe(identity)
  })

  it('case 36: refuses a profile too large for the session cookie, keeping only why', () => {
    // Within every per-field cap (200 groups of 250 characters), but about 50 KB in all.
    const groups = Array.from({ length: 200 }, (_, i) => `${i}-`.padEnd(250, 'g'))
    const bounded = boundIdentity({ ok: true, profile: { ...profile, groups } })
    expect(bounded).toEqual({
      ok: false,
      source: 'corp',
      issues: [expect.stringMatching(/^the profile is \d+ KB, more than the 6 KB a sign-in may keep$/)],
    })
    expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThan(MAX_IDENTITY_BYTES)
  })

  it('refuses a profile past the claim caps before it is stored', () => {
    const bounded = boundIdentity({ ok: true, profile: { ...profile, email: 'not-an-email' } })
    expect(bounded).toMatchObject({ ok: false, source: 'corp' })
  })

  it('keeps at most ten short issues of a profile that was already refused', () => {
    const issues = Array.from({ length: 50 }, () => 'x'.repeat(1000))
    const bounded = boundIdentity({ ok: false, source: 'corp', issues })
    expect(bounded).toEqual({ ok: false, source: 'corp', issues: Array.from({ length: 10 }, () => 'x'.repeat(300)) })
  })
})
