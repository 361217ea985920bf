import { describe, expect, it } from 'vitest'
import englishProblems from '@/messages/en/problems.json'
import { PROBLEMS } from './problems'
import { problemSummary } from './problem-summary'

describe('the problem table', () => {
  it('has a title and a message in the problems messages for every code, and no message for an unknown code', () => {
    expect(Object.keys(englishProblems).sort()).toEqual(Object.keys(PROBLEMS).sort())
    for (const text of Object.values(englishProblems)) {
      expect(Object.keys(text).sort()).toEqual(['message', 'title'])
    }
  })

  it('gives the ledger the English title', () => {
    expect(problemSummary('expired')).toBe('This sign-in request expired')
  })
})
