// Every way a login can end without success, with the HTTP status of the page that explains it
// and whether the person can try again. Shared by the server (ledger reason codes) and the problem
// pages, which read their words from the `problems` messages.

export interface ProblemInfo {
  status: number
  /** The person can try the same login request again (the cause was passing). */
  retryable?: boolean
}

// What the page says (its title and message) is in the `problems` messages, keyed by the code:
// messages/{locale}/problems.json, `problems.<code>.title` and `problems.<code>.message`.
const PROBLEM_TABLE = {
  missing_parameters: { status: 400 },
  invalid_login_request_id: { status: 400 },
  invalid_state: { status: 400 },
  no_session: { status: 400 },
  state_mismatch: { status: 400 },
  expired: { status: 410 },
  already_used: { status: 409 },
  unknown_login_request: { status: 404 },
  cross_site: { status: 403 },
  scalekit_invalid_id: { status: 502 },
  scalekit_rejected_user: { status: 502 },
  scalekit_closed: { status: 409 },
  scalekit_credentials: { status: 502 },
  scalekit_unavailable: { status: 503, retryable: true },
  scalekit_timeout: { status: 504, retryable: true },
  click_again: { status: 409, retryable: true },
  sign_in_busy: { status: 503, retryable: true },
  too_many_requests: { status: 429 },
  database_unavailable: { status: 503, retryable: true },
  invalid_profile: { status: 422 },
  source_unavailable: { status: 503, retryable: true },
  source_timeout: { status: 504, retryable: true },
  source_invalid_response: { status: 502, retryable: true },
  idp_denied: { status: 403, retryable: true },
  idp_error: { status: 502, retryable: true },
  idp_token_invalid: { status: 502, retryable: true },
  unknown_server: { status: 404 },
  wrong_server: { status: 409 },
  access_denied: { status: 403, retryable: true },
  second_factor_required: { status: 403, retryable: true },
  account_unavailable: { status: 403 },
} satisfies Record<string, ProblemInfo>

export type ProblemCode = keyof typeof PROBLEM_TABLE

export const PROBLEMS: Record<ProblemCode, ProblemInfo> = PROBLEM_TABLE

export function isProblemCode(value: string): value is ProblemCode {
  return Object.hasOwn(PROBLEMS, value)
}

/** Where a failed step sends the browser; the state travels only so "Try again" can return to the same request. */
export function problemPath(code: ProblemCode, params?: { loginRequestId: string; state: string; server?: string }): string {
  if (!params || !PROBLEMS[code].retryable) return `/login/problem/${code}`
  return `/login/problem/${code}?${loginQuery(params)}`
}

/** login_request_id and state, and the server's key when the request came through /login/{key}. */
function loginQuery(params: { loginRequestId: string; state: string; server?: string }): URLSearchParams {
  const query = new URLSearchParams({ login_request_id: params.loginRequestId, state: params.state })
  if (params.server) query.set('server', params.server)
  return query
}
