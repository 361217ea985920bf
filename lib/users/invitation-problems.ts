// Why an invitation link no longer works, with the HTTP status of the page that says so (set in
// proxy.ts). The page's words are the `invite.problems.{code}` messages (messages/*/invite.json);
// every one sends the person back to whoever invited them: only an admin can issue a link.

export const INVITATION_PROBLEMS = {
  used: { status: 410 },
  expired: { status: 410 },
  unknown: { status: 404 },
} as const

export type InvitationProblemCode = keyof typeof INVITATION_PROBLEMS

export function isInvitationProblemCode(value: string): value is InvitationProblemCode {
  return Object.hasOwn(INVITATION_PROBLEMS, value)
}

export function invitationProblemPath(code: InvitationProblemCode): string {
  return `/invite/problem/${code}`
}
