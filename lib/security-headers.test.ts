import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy, isLoginOrOAuthPath, securityHeaders } from './security-headers'

describe('securityHeaders', () => {
  it('relaxes COOP on login and OAuth routes only', () => {
    for (const path of ['/login', '/login/problem/expired', '/login/anything', '/api/auth', '/api/auth/session']) {
      expect(isLoginOrOAuthPath(path)).toBe(true)
      expect(securityHeaders(path, { nonce: 'n', secure: false })['Cross-Origin-Opener-Policy']).toBe('unsafe-none')
    }
    for (const path of ['/', '/loginx', '/admin', '/api/health', '/api/authx']) {
      expect(isLoginOrOAuthPath(path)).toBe(false)
      expect(securityHeaders(path, { nonce: 'n', secure: false })['Cross-Origin-Opener-Policy']).toBe('same-origin')
    }
  })

  it('sends HSTS only over https', () => {
    expect(securityHeaders('/', { nonce: 'n', secure: true })['Strict-Transport-Security']).toContain('max-age=')
    expect(securityHeaders('/', { nonce: 'n', secure: false })['Strict-Transport-Security']).toBeUndefined()
  })

  it('uses a nonce, forbids framing and sets no form-action', () => {
    const csp = contentSecurityPolicy('abc')
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('form-action')
    expect(csp).not.toContain('unsafe-inline')
  })
})
