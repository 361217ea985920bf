import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy, isLoginOrOAuthPath, isSameOriginPost, securityHeaders } from './headers'

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

  it('lets nothing keep a copy of the login pages or an invitation link (its token is in the path)', () => {
    for (const path of ['/login', '/api/auth/session', '/invite/abc', '/invite/problem/used']) {
      expect(securityHeaders(path, { nonce: 'n', secure: false })['Cache-Control']).toBe('no-store')
    }
    for (const path of ['/', '/admin', '/invitex', '/api/health']) {
      expect(securityHeaders(path, { nonce: 'n', secure: false })['Cache-Control']).toBeUndefined()
    }
    expect(securityHeaders('/invite/abc', { nonce: 'n', secure: false })['Cross-Origin-Opener-Policy']).toBe('same-origin')
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

describe('isSameOriginPost', () => {
  const app = 'http://localhost:3100'
  it('accepts our origin, and a no-referrer null origin the browser marks same-origin', () => {
    expect(isSameOriginPost(app, 'same-origin', app)).toBe(true)
    expect(isSameOriginPost(app, null, app)).toBe(true)
    expect(isSameOriginPost('null', 'same-origin', app)).toBe(true)
  })
  it('refuses other, null and missing origins (case 5)', () => {
    expect(isSameOriginPost('https://evil.example', 'cross-site', app)).toBe(false)
    expect(isSameOriginPost('http://127.0.0.1:3100', 'same-site', app)).toBe(false)
    expect(isSameOriginPost('null', 'cross-site', app)).toBe(false)
    expect(isSameOriginPost('null', null, app)).toBe(false)
    expect(isSameOriginPost(null, 'same-origin', app)).toBe(false)
    expect(isSameOriginPost(app, 'cross-site', app)).toBe(false)
  })
})
