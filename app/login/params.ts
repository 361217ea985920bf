import { parseLoginRequestParams, type LoginRequestParams } from '@/lib/login/request'

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value
}

/** The login request a form or a URL refers to, read the same way everywhere. */
export function loginRequestFrom(loginRequestId: unknown, state: unknown, server?: unknown) {
  return parseLoginRequestParams(first(loginRequestId), first(state), first(server))
}

/** The sign-in page of a login request: /login/{key} when it came that way, /login otherwise. */
export function loginPath(params: LoginRequestParams): string {
  const query = new URLSearchParams({ login_request_id: params.loginRequestId, state: params.state })
  return `/login${params.server ? `/${params.server}` : ''}?${query}`
}

/** The second step of a password sign-in: /login/verify (a code) or /login/enrol (set up a second factor). */
export function secondStepPath(step: 'code' | 'enrol', params: LoginRequestParams): string {
  const query = new URLSearchParams({ login_request_id: params.loginRequestId, state: params.state })
  if (params.server) query.set('server', params.server)
  return `/login/${step === 'code' ? 'verify' : 'enrol'}?${query}`
}

/** "Forgot your password?": /login/forgot, keeping the login request (and its server) to return to. */
export function forgotPath(params?: LoginRequestParams): string {
  if (!params) return '/login/forgot'
  const query = new URLSearchParams({ login_request_id: params.loginRequestId, state: params.state })
  if (params.server) query.set('server', params.server)
  return `/login/forgot?${query}`
}
