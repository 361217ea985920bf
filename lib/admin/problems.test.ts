import { describe, expect, it } from 'vitest'
import { PROBLEMS, type ProblemCode } from '../login/problems'
import pages from '../../messages/en/pages.json'
import { ADMIN_PROBLEMS, adminProblemFor, adminProblemPath, isAdminProblemCode } from './problems'
import { isVerifiedAdminEmail } from './admins'

describe('the admin sign-in problem pages', () => {
  // Every code an IdP or source failure becomes (lib/auth/errors.ts classifyIdpError, problemForFailure).
  const failures: ProblemCode[] = [
    'idp_denied',
    'idp_error',
    'idp_token_invalid',
    'source_unavailable',
    'source_timeout',
    'source_invalid_response',
  ]

  it.each(failures)('%s has an admin page with the status of the login page', (code) => {
    const admin = adminProblemFor(code)
    expect(admin).toBe(code)
    expect(ADMIN_PROBLEMS[admin].status).toBe(PROBLEMS[code].status)
    expect(adminProblemPath(admin)).toBe(`/admin/problem/${code}`)
  })

  it('a code with no admin page of its own becomes the general IdP failure', () => {
    expect(adminProblemFor('expired')).toBe('idp_error')
    expect(adminProblemFor('no_session')).toBe('idp_error')
  })

  it('refuses a non-admin and a cross-site answer with 403', () => {
    expect(ADMIN_PROBLEMS.not_admin.status).toBe(403)
    expect(ADMIN_PROBLEMS.cross_site.status).toBe(403)
  })

  it('knows only its own codes', () => {
    expect(isAdminProblemCode('idp_denied')).toBe(true)
    expect(isAdminProblemCode('expired')).toBe(false)
    expect(isAdminProblemCode('toString')).toBe(false)
    expect(isAdminProblemCode('__proto__')).toBe(false)
  })

  it.each(Object.keys(ADMIN_PROBLEMS))('%s speaks of the admin area, not of an MCP client or a login request', (code) => {
    const words = (pages.adminProblem as Record<string, unknown>)[code] as { title: string; message: string } | undefined
    expect(words).toBeDefined()
    expect(`${words!.title} ${words!.message}`).not.toMatch(/MCP|client|login request|Scalekit/i)
  })
})

describe('an administrator by ADMIN_EMAILS', () => {
  const admins = ['ada@acme.test']
  it('counts an email the source verified, whatever its case', () => {
    expect(isVerifiedAdminEmail({ email: 'ada@acme.test', emailVerified: true }, admins)).toBe(true)
    expect(isVerifiedAdminEmail({ email: 'Ada@Acme.test', emailVerified: true }, admins)).toBe(true)
  })
  it('does not count an unverified email, or one not in the list', () => {
    expect(isVerifiedAdminEmail({ email: 'ada@acme.test', emailVerified: false }, admins)).toBe(false)
    expect(isVerifiedAdminEmail({ email: 'grace@acme.test', emailVerified: true }, admins)).toBe(false)
    expect(isVerifiedAdminEmail({ email: 'ada@acme.test', emailVerified: true }, [])).toBe(false)
  })
})
