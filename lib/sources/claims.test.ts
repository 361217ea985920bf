import { describe, expect, it } from 'vitest'
import { ClaimsMappingSchema, mapClaims, resolveMapping, STANDARD_CLAIMS, toScalekitUser, type IdentityProfile } from './claims'

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

  it('case 20: namespaces subjects by source when asked, so two sources cannot collide on sub', () => {
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

describe('mapClaims', () => {
  const companyAnswer = {
    employee_id: 'emp-1001',
    work_email: 'casey@company.test',
    email_confirmed: true,
    display_name: 'Casey Jones',
    teams: ['support', 'mcp-users'],
    employee: { department: 'Support', cost_center: 'CC-42' },
    company: { id: 'org_company', name: 'Company Inc' },
    'https://company.test/roles': ['agent'],
  }
  const mapping = resolveMapping({
    sub: 'employee_id',
    email: 'work_email',
    emailVerified: 'email_confirmed',
    name: 'display_name',
    groups: 'teams',
    roles: 'https://company.test/roles',
    organizationExternalId: 'company.id',
    organizationExternalName: 'company.name',
    customAttributes: { department: 'employee.department', costCenter: 'employee.cost_center' },
  })

  it('reads top-level, dotted-name and nested fields through the mapping', () => {
    expect(mapClaims('corp', companyAnswer, mapping)).toEqual({
      ok: true,
      profile: {
        source: 'corp',
        subject: 'emp-1001',
        email: 'casey@company.test',
        emailVerified: true,
        name: 'Casey Jones',
        givenName: undefined,
        familyName: undefined,
        preferredUsername: undefined,
        picture: undefined,
        locale: undefined,
        phoneNumber: undefined,
        organizationExternalId: 'org_company',
        organizationExternalName: 'Company Inc',
        groups: ['support', 'mcp-users'],
        roles: ['agent'],
        customAttributes: { department: 'Support', costCenter: 'CC-42' },
      },
    })
  })

  it('uses the OpenID Connect claim names by default', () => {
    const result = mapClaims(
      'idp',
      { sub: 'u1', email: 'a@b.test', email_verified: true, given_name: 'A', groups: 'solo' },
      STANDARD_CLAIMS,
    )
    expect(result).toMatchObject({ ok: true, profile: { subject: 'u1', emailVerified: true, givenName: 'A', groups: ['solo'] } })
  })

  it('says emailVerified only for an exact true', () => {
    for (const value of [false, 'yes', 1, 'TRUE', null, undefined]) {
      const result = mapClaims('idp', { sub: 'u1', email: 'a@b.test', email_verified: value }, STANDARD_CLAIMS)
      expect(result).toMatchObject({ ok: true, profile: { emailVerified: false } })
    }
    expect(mapClaims('idp', { sub: 'u1', email: 'a@b.test', email_verified: 'true' }, STANDARD_CLAIMS)).toMatchObject({
      ok: true,
      profile: { emailVerified: true },
    })
  })

  it('switches a field off with null', () => {
    const result = mapClaims('idp', { sub: 'u1', email: 'a@b.test', groups: ['x'] }, resolveMapping({ groups: null }))
    expect(result).toMatchObject({ ok: true, profile: { groups: undefined } })
  })

  it('explains a profile without subject or email, and fields of the wrong kind', () => {
    expect(mapClaims('idp', { name: 'No Mail' }, STANDARD_CLAIMS)).toEqual({
      ok: false,
      source: 'idp',
      issues: ['sub: the source gave no subject in "sub"', 'email: the source gave no email address in "email"'],
    })
    const wrongKinds = mapClaims('idp', { sub: 'u1', email: { primary: 'a@b.test' }, groups: [{ id: 1 }] }, STANDARD_CLAIMS)
    expect(wrongKinds).toMatchObject({ ok: false })
    expect(wrongKinds.ok ? [] : wrongKinds.issues).toEqual([
      'email (from "email") must be text, got object',
      'groups (from "groups") must be a list of text',
      'email: the source gave no email address in "email"',
    ])
  })

  it('maps to a User message Scalekit accepts, with custom attributes and the organization', () => {
    const mapped = mapClaims('corp', companyAnswer, mapping)
    if (!mapped.ok) throw new Error('expected a profile')
    expect(toScalekitUser(mapped.profile, { namespaceSubjects: true })).toEqual({
      ok: true,
      user: {
        sub: 'corp|emp-1001',
        email: 'casey@company.test',
        emailVerified: true,
        name: 'Casey Jones',
        groups: ['support', 'mcp-users'],
        roles: ['agent'],
        organizationExternalId: 'org_company',
        organizationExternalName: 'Company Inc',
        customAttributes: { department: 'Support', costCenter: 'CC-42' },
      },
    })
  })

  it('refuses a picture that is not an http(s) URL and oversized custom attributes', () => {
    const base = { source: 'idp', subject: 'u1', email: 'a@b.test', emailVerified: false }
    expect(toScalekitUser({ ...base, picture: 'javascript:alert(1)' }, { namespaceSubjects: false }).ok).toBe(false)
    expect(toScalekitUser({ ...base, customAttributes: { blob: 'x'.repeat(5000) } }, { namespaceSubjects: false }).ok).toBe(false)
  })
})

describe('how the person signed in (amr, acr)', () => {
  it("reads an ID token's amr and acr, and leaves malformed ones out without failing the sign-in", () => {
    const base = { sub: 's1', email: 'a@example.com' }
    const read = (claims: Record<string, unknown>) => {
      const mapped = mapClaims('acme', { ...base, ...claims }, STANDARD_CLAIMS)
      if (!mapped.ok) throw new Error(mapped.issues.join('; '))
      return { amr: mapped.profile.amr, acr: mapped.profile.acr }
    }
    expect(read({ amr: ['pwd', 'otp', 'pwd'], acr: 'urn:example:mfa' })).toEqual({ amr: ['pwd', 'otp'], acr: 'urn:example:mfa' })
    expect(read({})).toEqual({ amr: undefined, acr: undefined })
    expect(read({ amr: 'pwd', acr: 2 })).toEqual({ amr: undefined, acr: undefined })
    expect(read({ amr: ['pwd', 'has space'], acr: 'with space' })).toEqual({ amr: undefined, acr: undefined })
    expect(read({ amr: [], acr: '' })).toEqual({ amr: undefined, acr: undefined })
    expect(read({ amr: Array.from({ length: 11 }, (_, i) => `m${i}`) }).amr).toBeUndefined()
  })

  it('sends them in customAttributes.amr and .acr, over anything of those names the source gave', () => {
    const mapped = toScalekitUser(
      { ...profile, amr: ['pwd', 'otp'], acr: 'urn:example:mfa', customAttributes: { team: 'red', amr: ['hwk'] } },
      { namespaceSubjects: false },
    )
    expect(mapped).toEqual({
      ok: true,
      user: expect.objectContaining({ customAttributes: { team: 'red', amr: ['pwd', 'otp'], acr: 'urn:example:mfa' } }) as unknown,
    })
    const unknown = toScalekitUser({ ...profile, customAttributes: { amr: ['hwk'] } }, { namespaceSubjects: false })
    expect(unknown.ok && unknown.user.customAttributes).toBeUndefined()
  })

  it('refuses a mapping that names customAttributes.amr or .acr: the bridge fills them', () => {
    const result = ClaimsMappingSchema.safeParse({ customAttributes: { amr: 'methods', acr: 'level', team: 'team' } })
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      '"amr" is reserved: the bridge fills customAttributes.amr with how the person signed in',
      '"acr" is reserved: the bridge fills customAttributes.acr with how the person signed in',
    ])
  })
})
