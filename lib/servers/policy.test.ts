import { describe, expect, it } from 'vitest'
import { decideAccess, SECOND_FACTOR_RULE } from './policy'

const ada = { source: 'okta', email: 'Ada@Example.com', emailVerified: true, groups: ['finance', 'staff'], roles: ['analyst'] }
const bob = { source: 'local', email: 'bob@contractor.io', emailVerified: false, groups: ['staff'] }

describe('decideAccess', () => {
  it('admits anyone signed in when the server sets no rule', () => {
    expect(decideAccess({}, bob)).toEqual({ allowed: true })
  })

  it.each([
    [{ groups: ['finance', 'audit'] }, 'not in any of the groups: finance, audit'],
    [{ roles: ['analyst'] }, 'has none of the roles: analyst'],
    [{ emails: ['ada@example.com'] }, 'email address is not in the allowed list'],
    [{ domains: ['example.com'] }, 'email address is not verified, so its domain cannot be checked against: example.com'],
    [{ sources: ['okta'] }, 'signed in with local, not one of the sources: okta'],
  ])('each rule kind admits and denies: %j', (allow, rule) => {
    expect(decideAccess({ allow }, ada)).toEqual({ allowed: true })
    expect(decideAccess({ allow }, bob)).toEqual({ allowed: false, rule })
  })

  it('case 44: a server with requireMfa admits only a sign-in whose amr shows a second factor', () => {
    const server = { requireMfa: true }
    expect(decideAccess(server, { ...ada, amr: ['pwd'] })).toEqual({ allowed: false, rule: SECOND_FACTOR_RULE })
    expect(decideAccess(server, ada)).toEqual({ allowed: false, rule: SECOND_FACTOR_RULE })
    for (const amr of [['pwd', 'otp'], ['hwk', 'mfa'], ['swk'], ['mfa'], ['pwd', 'sms']]) {
      expect(decideAccess(server, { ...ada, amr })).toEqual({ allowed: true })
    }
    expect(decideAccess({}, { ...ada, amr: ['pwd'] })).toEqual({ allowed: true })
  })

  it('compares email domains of verified addresses only, in lower case', () => {
    expect(decideAccess({ allow: { domains: ['contractor.io'] } }, { ...bob, emailVerified: true })).toEqual({ allowed: true })
    expect(decideAccess({ allow: { domains: ['example.com'] } }, { ...bob, emailVerified: true })).toEqual({
      allowed: false,
      rule: 'email domain is not one of: example.com',
    })
  })

  it('asks every rule that is set, and reports the first that fails', () => {
    const allow = { groups: ['staff'], roles: ['analyst'] }
    expect(decideAccess({ allow }, ada)).toEqual({ allowed: true })
    expect(decideAccess({ allow }, bob)).toEqual({ allowed: false, rule: 'has none of the roles: analyst' })
  })

  it('refuses a source the server does not offer before any rule', () => {
    expect(decideAccess({ sources: ['okta'] }, bob)).toEqual({
      allowed: false,
      rule: 'signed in with local, which this server does not offer: okta',
    })
  })
})
