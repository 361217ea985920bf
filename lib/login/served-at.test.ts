import { describe, expect, it } from 'vitest'
import { MIN_VIEW_MS, seenLongEnough, servedAtToken } from './served-at'

const SECRET = 'served-at-test-secret-0123456789abcdef'

describe('the served-at time of a completing form (case 30)', () => {
  const served = 1_700_000_000_000

  it('case 30: counts a click only once the page was served at least a second before', () => {
    const token = servedAtToken(SECRET, 'lri_1', served)
    expect(seenLongEnough(SECRET, 'lri_1', token, served + 200)).toBe(false)
    expect(seenLongEnough(SECRET, 'lri_1', token, served + MIN_VIEW_MS - 1)).toBe(false)
    expect(seenLongEnough(SECRET, 'lri_1', token, served + MIN_VIEW_MS)).toBe(true)
  })

  it('refuses a token of another login request, another secret, a changed time, or none', () => {
    const token = servedAtToken(SECRET, 'lri_1', served)
    const later = served + 5000
    expect(seenLongEnough(SECRET, 'lri_2', token, later)).toBe(false)
    expect(seenLongEnough(`${SECRET}x`, 'lri_1', token, later)).toBe(false)
    expect(seenLongEnough(SECRET, 'lri_1', token.replace(String(served), String(served - 10_000)), later)).toBe(false)
    for (const bad of [null, '', 'x', `${served}.`, `abc.${token.split('.')[1]}`])
      expect(seenLongEnough(SECRET, 'lri_1', bad, later)).toBe(false)
  })
})
