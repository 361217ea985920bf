// Why a link from a message (verify an address, report a sign-in) no longer works, with the HTTP
// status of the page that says so (set in proxy.ts, as for invitation links). The words are the
// `problems.{code}` messages of the link's own namespace (addresses, alerts).

export const EMAIL_LINK_PROBLEMS = {
  used: { status: 410 },
  expired: { status: 410 },
  /** A verification link for an address the account no longer has. */
  changed: { status: 410 },
  unknown: { status: 404 },
} as const

export type EmailLinkProblemCode = keyof typeof EMAIL_LINK_PROBLEMS

/** The pages a message's links open, each with its own problem pages under `{page}/problem/{code}`. */
export const EMAIL_LINK_PAGES = ['/verify-email', '/report-sign-in'] as const

export type EmailLinkPage = (typeof EMAIL_LINK_PAGES)[number]

export function isEmailLinkProblemCode(value: string): value is EmailLinkProblemCode {
  return Object.hasOwn(EMAIL_LINK_PROBLEMS, value)
}

export function emailLinkProblemPath(page: EmailLinkPage, code: EmailLinkProblemCode): string {
  return `${page}/problem/${code}`
}
