import type { ProblemCode } from '../login/problems'

// How a sign-in at the admin area can end without an admin session, with the HTTP status of the
// page that explains it (set in proxy.ts). The page's words are the `pages.adminProblem.{code}`
// messages (messages/*/pages.json): the admin area's own wording, never the login request's.

export interface AdminProblemInfo {
  status: number
}

const ADMIN_PROBLEM_TABLE = {
  not_admin: { status: 403 },
  idp_denied: { status: 403 },
  idp_error: { status: 502 },
  idp_token_invalid: { status: 502 },
  source_unavailable: { status: 503 },
  source_timeout: { status: 504 },
  source_invalid_response: { status: 502 },
  cross_site: { status: 403 },
} satisfies Record<string, AdminProblemInfo>

export type AdminProblemCode = keyof typeof ADMIN_PROBLEM_TABLE

export const ADMIN_PROBLEMS: Record<AdminProblemCode, AdminProblemInfo> = ADMIN_PROBLEM_TABLE

export function isAdminProblemCode(value: string): value is AdminProblemCode {
  return Object.hasOwn(ADMIN_PROBLEMS, value)
}

export function adminProblemPath(code: AdminProblemCode): string {
  return `/admin/problem/${code}`
}

/** The admin area's page for why an IdP or source sign-in failed (a login page's problem code). */
export function adminProblemFor(code: ProblemCode): AdminProblemCode {
  return isAdminProblemCode(code) ? code : 'idp_error'
}
