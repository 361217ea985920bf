import { describe, expect, it } from 'vitest'
import { isFreshAt } from './session-age'

describe('session freshness', () => {
  const now = 1_700_000_000_000

  it('holds for the maximum age, then asks for a fresh sign-in', () => {
    expect(isFreshAt(now - 1000, now, 60)).toBe(true)
    expect(isFreshAt(now - 59_999, now, 60)).toBe(true)
    expect(isFreshAt(now - 60_000, now, 60)).toBe(false)
    expect(isFreshAt(undefined, now, 60)).toBe(false)
  })

  it('case 37: accepts a sign-in stamped by an instance whose clock runs up to 60 s ahead', () => {
    expect(isFreshAt(now + 30_000, now, 60)).toBe(true)
    expect(isFreshAt(now + 60_000, now, 60)).toBe(true)
    expect(isFreshAt(now + 60_001, now, 60)).toBe(false)
  })
})
