import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect'
import { connectNodeAdapter } from '@connectrpc/connect-node'
import { AuthService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/auth/auth_pb'
import { isValidApiToken } from './api-tokens'
import type { StandInContext } from './stand-in-store'
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

/** gRPC over h2c, served from the SDK's own service descriptor so the wire format cannot drift. */
export function createGrpcHandler(context: StandInContext): Http2Handler {
  const adapter = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    interceptors: [requireApiToken(context)],
    routes: (router) => {
      router.service(AuthService, {
        async updateLoginUserDetails(request) {
          try {
            const authRequestId = await updateLoginUserDetails(
              context,
              request.connectionId,
              request.loginRequestId,
              request.user,
            )
            return { authRequestId }
          } catch (error) {
            throw toConnectError(error)
          }
        },
      })
    },
  })

  return (req, res) => {
    context.store.stats.grpcCalls += 1
    if (context.store.faults.userDetails === 'http500' && req.url.endsWith('/UpdateLoginUserDetails')) {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end('internal server error (fault injected)')
      return
    }
    adapter(req, res)
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
