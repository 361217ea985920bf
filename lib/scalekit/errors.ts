import 'server-only'
import { Code, ConnectError } from '@connectrpc/connect'
import type { ProblemCode } from '../login/problems'
import { isDroppedConnection } from './attempts'

interface AxiosLikeError {
  isAxiosError: true
  code?: string
  response?: { status: number }
}

function isAxiosError(error: unknown): error is AxiosLikeError {
  return typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true
}

/** Turns whatever the SDK threw into a problem a person can act on, and a detail for the log. */
export function translateScalekitError(error: unknown): { problem: ProblemCode; detail: string } {
  if (isAxiosError(error)) {
    // Only the token endpoint goes over axios (HTTP/1.1) here; RPCs fail as ConnectError.
    const status = error.response?.status
    if (status === 400 || status === 401 || status === 403)
      return { problem: 'scalekit_credentials', detail: `token endpoint answered ${status}` }
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')
      return { problem: 'scalekit_timeout', detail: 'token endpoint timed out' }
    return { problem: 'scalekit_unavailable', detail: `token endpoint: ${status ?? error.code ?? 'no answer'}` }
  }
  const connectError = ConnectError.from(error)
  const detail = `${Code[connectError.code]}: ${connectError.rawMessage}`.slice(0, 300)
  // The connection went away under the call: an outage, not Scalekit's ABORTED.
  if (isDroppedConnection(connectError)) return { problem: 'scalekit_unavailable', detail }
  switch (connectError.code) {
    case Code.NotFound:
      return { problem: 'scalekit_invalid_id', detail }
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return { problem: 'scalekit_rejected_user', detail }
    case Code.FailedPrecondition:
    case Code.AlreadyExists:
    case Code.Aborted:
      return { problem: 'scalekit_closed', detail }
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return { problem: 'scalekit_credentials', detail }
    case Code.DeadlineExceeded:
    case Code.Canceled:
      return { problem: 'scalekit_timeout', detail }
    default:
      return { problem: 'scalekit_unavailable', detail }
  }
}
