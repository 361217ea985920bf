import { parseLoginRequestParams } from '@/lib/login/request'

/** The login request a form or a URL refers to, read the same way everywhere. */
export function loginRequestFrom(loginRequestId: unknown, state: unknown) {
  return parseLoginRequestParams(
    Array.isArray(loginRequestId) ? loginRequestId[0] : loginRequestId,
    Array.isArray(state) ? state[0] : state,
  )
}

export function loginPath(params: { loginRequestId: string; state: string }): string {
  return `/login?${new URLSearchParams({ login_request_id: params.loginRequestId, state: params.state })}`
}
