// Why a password-reset link no longer works, with the HTTP status of the page that says so (set in
// proxy.ts). The page's words are the `reset.problems.{code}` messages (messages/*/reset.json);
// every one offers to ask for a new link.

export const RESET_PROBLEMS = {
  used: { status: 410 },
  expired: { status: 410 },
  unknown: { status: 404 },
} as const

export type ResetProblemCode = keyof typeof RESET_PROBLEMS

export function isResetProblemCode(value: string): value is ResetProblemCode {
  return Object.hasOwn(RESET_PROBLEMS, value)
}

export function resetProblemPath(code: ResetProblemCode): string {
  return `/login/reset/problem/${code}`
}
