import englishProblems from '@/messages/en/problems.json'
import type { ProblemCode } from './problems'

/**
 * What the ledger keeps as a failed login's error message: the problem's English title, the same
 * whatever language the person's page spoke (the record is the administrator's, not the page).
 */
export function problemSummary(code: ProblemCode): string {
  return englishProblems[code].title
}
