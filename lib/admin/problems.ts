import type { ProblemCode } from '../login/problems'

// How a sign-in at the admin area can end without an admin session, with the HTTP status of the
// page that explains it (set in proxy.ts): the admin area's own wording, never the login request's.

export interface AdminProblemInfo {
  status: number
  title: string
  message: string
}

const ADMIN_PROBLEM_TABLE = {
  not_admin: {
    status: 403,
    title: 'You cannot see this page',
    message:
      'You are signed in, but not as an administrator of this sign-in service. Ask an administrator to add your email to ADMIN_EMAILS, or sign in with another account.',
  },
  idp_denied: {
    status: 403,
    title: 'Access was not allowed',
    message:
      'Your identity provider says access was denied: you chose not to allow it, or your account may not use this sign-in service. You are not signed in to the admin area.',
  },
  idp_error: {
    status: 502,
    title: 'Your identity provider could not sign you in',
    message:
      'The sign-in at your identity provider did not complete, so you are not signed in to the admin area. Try again; if it happens again, check the identity source settings and the logs.',
  },
  idp_token_invalid: {
    status: 502,
    title: "Your identity provider's answer could not be verified",
    message:
      'The identity token from your identity provider failed its checks (its signature, issuer or audience), so you are not signed in to the admin area. Check the identity source settings and the logs.',
  },
  source_unavailable: {
    status: 503,
    title: "Your organization's sign-in could not be reached",
    message: 'The service that checks your account did not answer, so you are not signed in to the admin area. Try again in a moment.',
  },
  source_timeout: {
    status: 504,
    title: "Your organization's sign-in took too long",
    message:
      'The service that checks your account did not answer in time, so you are not signed in to the admin area. Try again in a moment.',
  },
  source_invalid_response: {
    status: 502,
    title: "Your organization's sign-in gave an answer we could not read",
    message:
      'The service that checks your account answered with something that is not a profile, so you are not signed in to the admin area. Try again; if it happens again, check the identity source settings and the logs.',
  },
  cross_site: {
    status: 403,
    title: 'This request was refused',
    message:
      'This sign-in answer did not come through this browser, so it was ignored. Start the sign-in again from the admin sign-in page.',
  },
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
