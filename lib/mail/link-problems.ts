// Why a link from a message (reset a password, verify an address, report a sign-in) no longer
// works, with the HTTP status of the page that says so (set in proxy.ts, as for invitation links).

const EMAIL_LINK_PROBLEMS = {
  used: { status: 410 },
  expired: { status: 410 },
  /** A verification link for an address the account no longer has. */
  changed: { status: 410 },
  unknown: { status: 404 },
} as const

export type EmailLinkProblemCode = keyof typeof EMAIL_LINK_PROBLEMS

/**
 * The pages a message's links open. Each has its problem pages under `{page}/problem/{code}` for
 * the codes it can give, worded by the `problems.{code}` messages of its namespace, and `again`
 * where a new link can be asked for.
 */
export const EMAIL_LINK_PAGES = {
  '/login/reset': { namespace: 'reset', codes: ['used', 'expired', 'unknown'], again: '/login/forgot' },
  '/verify-email': { namespace: 'addresses', codes: ['used', 'expired', 'changed', 'unknown'] },
  '/report-sign-in': { namespace: 'alerts', codes: ['used', 'expired', 'unknown'] },
} as const satisfies Record<string, { namespace: string; codes: readonly EmailLinkProblemCode[]; again?: string }>

export type EmailLinkPage = keyof typeof EMAIL_LINK_PAGES

/** The codes a page can give: what its own actions redirect to. */
export type PageProblemCode<P extends EmailLinkPage> = (typeof EMAIL_LINK_PAGES)[P]['codes'][number]

export function isEmailLinkProblemCode(page: EmailLinkPage, value: string): value is EmailLinkProblemCode {
  return (EMAIL_LINK_PAGES[page].codes as readonly string[]).includes(value)
}

export function emailLinkProblemPath<P extends EmailLinkPage>(page: P, code: PageProblemCode<P>): string {
  return `${page}/problem/${code}`
}

/** The status of `{page}/problem/{code}` for one of these pages (404 for a code it cannot give); null for any other path. */
export function emailLinkProblemStatus(pathname: string): number | null {
  for (const page of Object.keys(EMAIL_LINK_PAGES) as EmailLinkPage[]) {
    if (!pathname.startsWith(`${page}/problem/`)) continue
    const code = pathname.slice(`${page}/problem/`.length)
    return isEmailLinkProblemCode(page, code) ? EMAIL_LINK_PROBLEMS[code].status : 404
  }
  return null
}
