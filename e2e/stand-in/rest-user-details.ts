import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { fromJson, type JsonValue } from '@bufbuild/protobuf'
import { UserSchema, type User } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/auth/auth_pb'
import { isValidApiToken } from './api-tokens'
import { bearerToken, readJsonObject, sendJson } from './http-helpers'
import type { StandInContext } from './stand-in-store'
import { StandInError, updateLoginUserDetails, type StandInErrorKind } from './user-details'

const HTTP_STATUSES: Record<StandInErrorKind, number> = {
  not_found: 404,
  already_completed: 409,
  expired: 410,
  invalid_argument: 400,
  unauthenticated: 401,
  unavailable: 503,
  internal: 500,
}

/** POST /api/v1/connections/{conn}/auth-requests/{L}/user with the snake_case body of the BYOA docs. */
export async function handleRestUserDetails(
  context: StandInContext,
  req: IncomingMessage,
  res: ServerResponse,
  connectionId: string,
  loginRequestId: string,
): Promise<void> {
  context.store.stats.restCalls += 1
  if (!(await isValidApiToken(context, bearerToken(req)))) {
    sendJson(res, 401, { error: 'unauthenticated' }, { 'www-authenticate': 'Bearer' })
    return
  }
  const body = await readJsonObject(req)
  if (!body) {
    sendJson(res, 400, { error: 'request body must be a JSON object' })
    return
  }
  let user: User
  try {
    // Proto JSON accepts the snake_case field names and refuses unknown fields, as the gateway does.
    user = fromJson(UserSchema, body as JsonValue)
  } catch (error) {
    sendJson(res, 400, { error: error instanceof Error ? error.message : 'invalid user' })
    return
  }
  const lost = context.store.takeLostAnswer()
  let answer: { status: number; body: object }
  try {
    answer = { status: 200, body: { auth_request_id: await updateLoginUserDetails(context, connectionId, loginRequestId, user) } }
  } catch (error) {
    if (!(error instanceof StandInError)) throw error
    answer = { status: HTTP_STATUSES[error.kind], body: { error: error.message } }
  }
  // The fault `answer_lost`: the work is done, the caller does not learn it (see grpc-auth-service.ts).
  if (lost === 'reset') return void res.destroy()
  if (lost === 'unavailable') answer = { status: 503, body: { error: 'fault injected: the answer was lost' } }
  if (lost === 'slow') await sleep(context.store.faults.delayMs)
  sendJson(res, answer.status, answer.body)
}
