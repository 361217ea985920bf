import { constants as http2Constants, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import { setTimeout as sleep } from 'node:timers/promises'
import { Code, ConnectError, createContextKey, createContextValues, type Interceptor } from '@connectrpc/connect'
import { connectNodeAdapter } from '@connectrpc/connect-node'
import { fromBinary } from '@bufbuild/protobuf'
import { AuthService, UpdateLoginUserDetailsRequestSchema } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/auth/auth_pb'
import { isValidApiToken } from './api-tokens'
import type { LostAnswer, StandInContext } from './stand-in-store'
import { StandInError, updateLoginUserDetails, type StandInErrorKind } from './user-details'

const GRPC_CODES: Record<StandInErrorKind, Code> = {
  not_found: Code.NotFound,
  already_completed: Code.FailedPrecondition,
  expired: Code.FailedPrecondition,
  invalid_argument: Code.InvalidArgument,
  unauthenticated: Code.Unauthenticated,
  unavailable: Code.Unavailable,
  internal: Code.Internal,
}

export type Http2Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void

/** The HTTP/2 request under a call, so a fault can reset its stream. */
const HTTP2_REQUEST = createContextKey<Http2ServerRequest | undefined>(undefined)

/** gRPC over h2c, served from the SDK's own service descriptor so the wire format cannot drift. */
export function createGrpcHandler(context: StandInContext): Http2Handler {
  const adapter = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    interceptors: [requireApiToken(context)],
    contextValues: (req) => createContextValues().set(HTTP2_REQUEST, req as Http2ServerRequest),
    routes: (router) => {
      router.service(AuthService, {
        async updateLoginUserDetails(request, handlerContext) {
          const lost = context.store.takeLostAnswer()
          let answer: { authRequestId: string } | ConnectError
          try {
            answer = { authRequestId: await updateLoginUserDetails(context, request.connectionId, request.loginRequestId, request.user) }
          } catch (error) {
            answer = toConnectError(error)
          }
          if (lost) await loseAnswer(lost, handlerContext.values.get(HTTP2_REQUEST), context.store.faults.delayMs)
          if (answer instanceof ConnectError) throw answer
          return answer
        },
      })
    },
  })

  return (req, res) => {
    context.store.stats.grpcCalls += 1
    const { faults } = context.store
    const httpFault = faults.userDetails === 'http500' ? 500 : faults.userDetails === 'http503' ? 503 : null
    if (httpFault && req.url.endsWith('/UpdateLoginUserDetails') && context.store.faultHits()) {
      void answerWithHttpFault(context, req, res, httpFault)
      return
    }
    adapter(req, res)
  }
}

/**
 * The service has done its work (applied the update, or refused it); the caller never learns
 * which: it gets UNAVAILABLE, or its stream is reset as when a connection drops, or the answer
 * comes only after `delayMs`, past its deadline.
 */
async function loseAnswer(lost: LostAnswer, req: Http2ServerRequest | undefined, delayMs: number): Promise<void> {
  if (lost === 'slow') {
    await sleep(delayMs)
    return
  }
  if (lost === 'reset') req?.stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR)
  throw new ConnectError('fault injected: the answer was lost', Code.Unavailable)
}

/**
 * What a load balancer in front of the service answers: a plain HTTP error, no gRPC status. The
 * call is still counted against its login request, so a test can count the bridge's retries.
 */
async function answerWithHttpFault(context: StandInContext, req: Http2ServerRequest, res: Http2ServerResponse, status: 500 | 503) {
  context.store.countUserDetailsCall(await readLoginRequestId(req))
  res.writeHead(status, { 'content-type': 'text/plain' })
  res.end(`${status === 500 ? 'internal server error' : 'service unavailable'} (fault injected)`)
}

/** The login request id inside one uncompressed gRPC frame (1 flag byte, 4 length bytes, message). */
async function readLoginRequestId(req: Http2ServerRequest): Promise<string | undefined> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks)
  if (body.length < 5 || body[0] !== 0) return undefined
  try {
    return fromBinary(UpdateLoginUserDetailsRequestSchema, body.subarray(5, 5 + body.readUInt32BE(1))).loginRequestId
  } catch {
    return undefined
  }
}

// Like the real service, every RPC needs a bearer token; the SDK's first call goes without one
// and relies on UNAUTHENTICATED to fetch a token and retry.
function requireApiToken(context: StandInContext): Interceptor {
  return (next) => async (request) => {
    const header = request.header.get('authorization') ?? ''
    const token = /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1]
    if (!token) throw new ConnectError('missing bearer token', Code.Unauthenticated)
    if (!(await isValidApiToken(context, token))) {
      throw new ConnectError('invalid or expired token', Code.Unauthenticated)
    }
    return next(request)
  }
}

function toConnectError(error: unknown): ConnectError {
  if (error instanceof StandInError) return new ConnectError(error.message, GRPC_CODES[error.kind])
  return ConnectError.from(error, Code.Internal)
}
