import { describe, expect, it } from 'vitest'
import { sameOriginRedirect } from './redirects'

describe('sameOriginRedirect (case 8)', () => {
  const base = 'https://login.example.com'
  it('keeps relative and same-origin targets', () => {
    expect(sameOriginRedirect('/login?x=1', base)).toBe('https://login.example.com/login?x=1')
    expect(sameOriginRedirect('https://login.example.com/admin', base)).toBe('https://login.example.com/admin')
  })
  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    'https://login.example.com.evil.example/',
    'javascript:alert(1)',
    'not a url',
  ])('sends %s home instead', (target) => {
    expect(sameOriginRedirect(target, base)).toBe(base)
  })
})
