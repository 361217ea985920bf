import { describe, expect, it } from 'vitest'
import { emailLinkProblemPath, emailLinkProblemStatus, isEmailLinkProblemCode } from './link-problems'

describe("the problem pages of a message's links", () => {
  it('answers 410 for a used or expired link and 404 for an unknown one, on every page', () => {
    for (const page of ['/login/reset', '/verify-email', '/report-sign-in'] as const) {
      expect(emailLinkProblemStatus(`${page}/problem/used`)).toBe(410)
      expect(emailLinkProblemStatus(`${page}/problem/expired`)).toBe(410)
      expect(emailLinkProblemStatus(`${page}/problem/unknown`)).toBe(404)
      expect(emailLinkProblemStatus(`${page}/problem/nothing-like-it`)).toBe(404)
    }
  })

  it('gives "changed" (an address the account no longer has) only for a verification link', () => {
    expect(emailLinkProblemStatus('/verify-email/problem/changed')).toBe(410)
    expect(emailLinkProblemStatus('/report-sign-in/problem/changed')).toBe(404)
    expect(emailLinkProblemStatus('/login/reset/problem/changed')).toBe(404)
    expect(isEmailLinkProblemCode('/login/reset', 'changed')).toBe(false)
    expect(isEmailLinkProblemCode('/verify-email', 'changed')).toBe(true)
  })

  it('leaves every other address to its own table', () => {
    expect(emailLinkProblemStatus('/login/problem/expired')).toBeNull()
    expect(emailLinkProblemStatus('/invite/problem/used')).toBeNull()
    expect(emailLinkProblemStatus('/login/reset/done')).toBeNull()
    expect(emailLinkProblemPath('/login/reset', 'expired')).toBe('/login/reset/problem/expired')
  })
})
