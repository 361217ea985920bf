// Every way a login can end without success, with the HTTP status of the page that explains it
// and what the person can do. Shared by the server (ledger reason codes) and the problem pages.

export interface ProblemInfo {
  status: number
  title: string
  message: string
  /** The person can try the same login request again (the cause was passing). */
  retryable?: boolean
}

const RESTART =
  'Go back to your MCP client (Claude, Cursor, VS Code, ChatGPT...) and start the connection again; it will open a fresh sign-in page.'

const PROBLEM_TABLE = {
  missing_parameters: {
    status: 400,
    title: 'This sign-in link is incomplete',
    message: `This page is opened by an MCP client when it connects to a protected MCP server, with a login request and a state in its address. This address has neither. ${RESTART}`,
  },
  invalid_login_request_id: {
    status: 400,
    title: 'This sign-in link is not valid',
    message: `The login request in this address is malformed, so it did not come from Scalekit. ${RESTART}`,
  },
  invalid_state: {
    status: 400,
    title: 'This sign-in link is not valid',
    message: `The state in this address is malformed or too long, so it did not come from Scalekit. ${RESTART}`,
  },
  no_session: {
    status: 400,
    title: 'This sign-in did not start in this browser',
    message: `We could not match this sign-in to this browser: its sign-in cookie is missing (cookies blocked, another browser, or too much time passed). ${RESTART}`,
  },
  state_mismatch: {
    status: 400,
    title: 'This sign-in could not be verified',
    message: `The state of this sign-in does not match the one this browser received, so nothing was sent. ${RESTART}`,
  },
  expired: {
    status: 410,
    title: 'This sign-in request expired',
    message: `Sign-in requests are valid for a few minutes only. ${RESTART}`,
  },
  already_used: {
    status: 409,
    title: 'This sign-in request was already used',
    message: `This sign-in has already been completed or cancelled, so it cannot be used again. If your MCP client is still waiting, ${RESTART.charAt(0).toLowerCase()}${RESTART.slice(1)}`,
  },
  unknown_login_request: {
    status: 404,
    title: 'We do not know this sign-in request',
    message: `This sign-in request was never opened here. ${RESTART}`,
  },
  cross_site: {
    status: 403,
    title: 'This request was refused',
    message: `The form was not sent from this sign-in page, so it was ignored. ${RESTART}`,
  },
  scalekit_invalid_id: {
    status: 502,
    title: 'Scalekit did not accept this sign-in',
    message:
      'Scalekit answered "invalid ID" for this login request. If it happens again, tell your administrator: the bridge\'s SCALEKIT_CONNECTION_ID must be the conn_... id (Dashboard > MCP Servers > your server > Advanced Configurations), not the MCP server\'s res_... resource id. ' +
      RESTART,
  },
  scalekit_rejected_user: {
    status: 502,
    title: 'Scalekit did not accept your profile',
    message: `Scalekit refused the user details sent for you. Ask your administrator to check the claims mapping. ${RESTART}`,
  },
  scalekit_closed: {
    status: 409,
    title: 'Scalekit has closed this sign-in request',
    message: `Scalekit says this login request is already finished or has expired. ${RESTART}`,
  },
  scalekit_credentials: {
    status: 502,
    title: 'The sign-in service is misconfigured',
    message:
      "Scalekit refused this bridge's API credentials. Tell your administrator: SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET must come from Dashboard > Settings > API Credentials of the same environment as SCALEKIT_ENVIRONMENT_URL.",
  },
  scalekit_unavailable: {
    status: 503,
    title: 'Scalekit could not be reached',
    message: 'Your sign-in is fine, but Scalekit did not answer. Nothing was completed. Try again in a moment.',
    retryable: true,
  },
  scalekit_timeout: {
    status: 504,
    title: 'Scalekit took too long to answer',
    message: 'Your sign-in is fine, but Scalekit did not answer in time. Nothing was completed. Try again in a moment.',
    retryable: true,
  },
  click_again: {
    status: 409,
    title: 'Please click again',
    message:
      'That click came before this page could be seen, so it was not counted. Make sure this is the page you meant to use, then click again.',
    retryable: true,
  },
  sign_in_busy: {
    status: 503,
    title: 'Sign-in is busy right now',
    message: 'Too many people are signing in at this moment, so your sign-in was not checked. Try again in a few seconds.',
    retryable: true,
  },
  too_many_requests: {
    status: 429,
    title: 'Too many sign-in requests from your network',
    message: `Your network started more sign-ins in the last few minutes than this service accepts. Wait a few minutes, then start the connection again from your MCP client.`,
  },
  database_unavailable: {
    status: 503,
    title: 'Sign-in is unavailable right now',
    message: 'The sign-in service cannot record logins at the moment, so it does not complete any. Try again in a minute.',
    retryable: true,
  },
  invalid_profile: {
    status: 422,
    title: 'Your profile could not be sent',
    message:
      'Your account is missing something Scalekit needs (such as a valid email address), so nothing was sent. Ask your administrator to fix the account or the claims mapping, then start again from your MCP client.',
  },
  source_unavailable: {
    status: 503,
    title: "Your organization's sign-in could not be reached",
    message: 'The service that checks your account did not answer, so nothing was sent. Try again in a moment.',
    retryable: true,
  },
  source_timeout: {
    status: 504,
    title: "Your organization's sign-in took too long",
    message: 'The service that checks your account did not answer in time, so nothing was sent. Try again in a moment.',
    retryable: true,
  },
  source_invalid_response: {
    status: 502,
    title: "Your organization's sign-in gave an answer we could not read",
    message:
      'The service that checks your account answered with something that is not a profile, so nothing was sent. Try again; if it happens again, tell your administrator.',
    retryable: true,
  },
  idp_denied: {
    status: 403,
    title: 'Access was not allowed',
    message:
      'Your identity provider says access was denied: you chose not to allow it, or your account may not use this application. Nothing was sent. Try again, or cancel.',
    retryable: true,
  },
  idp_error: {
    status: 502,
    title: 'Your identity provider could not sign you in',
    message:
      'The sign-in at your identity provider did not complete, so nothing was sent. Try again; if it happens again, tell your administrator.',
    retryable: true,
  },
  idp_token_invalid: {
    status: 502,
    title: "Your identity provider's answer could not be verified",
    message:
      'The identity token from your identity provider failed its checks (its signature, issuer or audience), so nothing was sent. Tell your administrator; you can also try again.',
    retryable: true,
  },
  unknown_server: {
    status: 404,
    title: 'There is no sign-in page at this address',
    message: `This address does not name the MCP server you are connecting to. ${RESTART}`,
  },
  wrong_server: {
    status: 409,
    title: 'This sign-in belongs to another MCP server',
    message: `This sign-in request was started for a different MCP server than the page that tried to complete it, so nothing was sent. ${RESTART}`,
  },
  access_denied: {
    status: 403,
    title: 'Your account cannot use this MCP server',
    message: 'Ask your administrator for access, or use another account.',
    retryable: true,
  },
  second_factor_required: {
    status: 403,
    title: 'This MCP server needs a second factor',
    message:
      'Your sign-in did not include a second factor (such as an authenticator code or a passkey), which this MCP server requires. Sign in again with one, or use another account.',
    retryable: true,
  },
  account_unavailable: {
    status: 403,
    title: 'This account cannot sign in',
    message: 'The account you are signed in with is no longer allowed to sign in. Use another account.',
  },
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
