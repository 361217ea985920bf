// Why an invitation link no longer works, with the HTTP status of the page that says so (set in
// proxy.ts). Every one sends the person back to whoever invited them: only an admin can issue a link.

export const INVITATION_PROBLEMS = {
  used: {
    status: 410,
    title: 'This invitation link was already used',
    message:
      'A password was already set with this link, and it works only once. If that was not you, or you need to set your password again, ask your administrator for a new link.',
  },
  expired: {
    status: 410,
    title: 'This invitation link expired',
    message: 'This link no longer works: it expired, or a newer link was issued for you. Ask your administrator for a new link.',
  },
  unknown: {
    status: 404,
    title: 'This invitation link is not valid',
    message: 'This link is not one this sign-in service issued; check that you copied all of it, or ask your administrator for a new link.',
  },
} as const

export type InvitationProblemCode = keyof typeof INVITATION_PROBLEMS

export function isInvitationProblemCode(value: string): value is InvitationProblemCode {
  return Object.hasOwn(INVITATION_PROBLEMS, value)
}

export function invitationProblemPath(code: InvitationProblemCode): string {
  return `/invite/problem/${code}`
}
