import { toJson, type JsonObject } from '@bufbuild/protobuf'
import { UserSchema, type User } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/auth/auth_pb'
import { randomBase62 } from './http-helpers'
import { isExpired, type LoginRequest, type StandInContext } from './stand-in-store'

export type StandInErrorKind =
  'not_found' | 'already_completed' | 'expired' | 'invalid_argument' | 'unauthenticated' | 'unavailable' | 'internal'

/** A refusal of the service, mapped to a gRPC code or an HTTP status by the transport that answers. */
export class StandInError extends Error {
  constructor(
    readonly kind: StandInErrorKind,
    message: string,
  ) {
    super(message)
  }
}

export const INVALID_ID = 'invalid ID'

export function isKnownConnection(context: StandInContext, connectionId: string): boolean {
  // `res_...` is the MCP server's resource id, the classic mix-up: the real service says "invalid ID".
  return !connectionId.startsWith('res_') && context.store.knownConnections.has(connectionId)
}

/** UpdateLoginUserDetails as the real service applies it, shared by the gRPC and REST front ends. */
export async function updateLoginUserDetails(
  context: StandInContext,
  connectionId: string,
  loginRequestId: string,
  user: User | undefined,
): Promise<string> {
  const { store } = context
  const loginRequest = store.countUserDetailsCall(loginRequestId)

  await applyInjectedFault(context)

  if (!isKnownConnection(context, connectionId)) throw new StandInError('not_found', INVALID_ID)
  if (!loginRequest || loginRequest.connectionId !== connectionId) throw new StandInError('not_found', INVALID_ID)
  if (loginRequest.user || loginRequest.loginFailed || loginRequest.callbackUsed) {
    const repeated = acceptedRepeat(context, loginRequest, user)
    if (repeated) return repeated
    throw new StandInError('already_completed', 'login request already completed')
  }
  if (isExpired(loginRequest)) throw new StandInError('expired', 'login request expired')
  assertValidUser(user)

  // Everything is checked before this point and nothing awaits after it, so concurrent calls
  // on one login request cannot both succeed.
  loginRequest.user = asStored(user)
  loginRequest.loginFailed = user.loginFailed
  loginRequest.authRequestId = `ar_${randomBase62(22)}`
  loginRequest.appliedUpdates += 1
  return loginRequest.authRequestId
}

function asStored(user: User): JsonObject {
  return toJson(UserSchema, user, { alwaysEmitImplicit: true }) as JsonObject
}

/**
 * With `repeatUpdate: 'accept'`, the very update the request already holds, sent again before
 * partner:callback and expiry, is answered as the first one was (an idempotent service). Any
 * other update of a finished request is refused either way.
 */
function acceptedRepeat(context: StandInContext, loginRequest: LoginRequest, user: User | undefined): string | null {
  if (context.store.faults.repeatUpdate !== 'accept' || !user || !loginRequest.authRequestId) return null
  if (loginRequest.callbackUsed || isExpired(loginRequest)) return null
  return JSON.stringify(asStored(user)) === JSON.stringify(loginRequest.user) ? loginRequest.authRequestId : null
}

function assertValidUser(user: User | undefined): asserts user is User {
  if (!user) throw new StandInError('invalid_argument', 'user is required')
  if (user.loginFailed) return
  if (!user.sub.trim()) throw new StandInError('invalid_argument', 'user.sub is required')
  if (!user.email.trim()) throw new StandInError('invalid_argument', 'user.email is required')
  if (!/^[^\s@]+@[^\s@]+$/.test(user.email)) throw new StandInError('invalid_argument', 'user.email is not a valid email')
}

async function applyInjectedFault(context: StandInContext): Promise<void> {
  const { faults } = context.store
  if (!context.store.faultHits()) return
  switch (faults.userDetails) {
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, faults.delayMs))
      return
    case 'unavailable':
      throw new StandInError('unavailable', 'fault injected: service unavailable')
    case 'invalid_argument':
      throw new StandInError('invalid_argument', 'fault injected: invalid argument')
    case 'http500':
      throw new StandInError('internal', 'fault injected: internal error')
    case 'unauthenticated_once':
      faults.userDetails = 'none'
      throw new StandInError('unauthenticated', 'fault injected: token rejected')
    case 'none':
    case 'http503':
    case 'connection_refused':
    case 'answer_lost':
      // Answered by the transport (HTTP 503, or the call's answer lost after it), or by the
      // listener (closed port), never reaching here.
      return
  }
}
