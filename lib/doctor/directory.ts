import 'server-only'
import { Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect'
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node'
import { ClientService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb'
import { ConnectionService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connections/connections_pb'

// 4 and 7. Read-only lookups in Scalekit's management API.
//
// Research (SDK 2.11.0, lib/pkg/grpc/scalekit/v1): the SDK wraps neither call below, but ships
// their service descriptors, and so speaks their wire format:
// - ConnectionService.GetEnvironmentConnection (HTTP annotation `GET /api/v1/connections/{id}`,
//   marked PREVIEW) returns a connection by id, or NOT_FOUND.
// - ClientService.ListResources (`GET /api/v1/resources`, PREVIEW) lists the MCP servers; each
//   Resource carries `connection_details` ("details of the own auth connection, if any":
//   the conn_ id and its settings), and UpdateResource writes the BYOA login endpoint as
//   `custom_connection_settings.authorize_uri`. That is where the login endpoint can be read back.
// Both are reads (HTTP GET). Neither is in the public API reference, so any answer other than
// "found" or NOT_FOUND (UNIMPLEMENTED, PERMISSION_DENIED, ...) makes the check SKIP, never FAIL.
// updateLoginUserDetails is deliberately not used as a probe: with a made-up login request id its
// NOT_FOUND cannot tell an unknown connection from an unknown login request.

// ListResources allows at most 30 per page; 10 pages is far beyond any real environment.
const RESOURCE_PAGE_SIZE = 30
const MAX_RESOURCE_PAGES = 10

export type Lookup<T> = { kind: 'found'; value: T } | { kind: 'missing' } | { kind: 'unavailable'; reason: string }

export interface ConnectionFacts {
  enabled: boolean
}

export interface ResourceFacts {
  resourceId: string
  name: string
  connectionEnabled: boolean
  /** The BYOA login endpoint, when the connection's settings carry one. */
  loginEndpoint?: string
  /** The names (never the values) of the settings, to explain a missing login endpoint. */
  settingKeys: string[]
}

export interface ScalekitDirectory {
  findConnection(connectionId: string): Promise<Lookup<ConnectionFacts>>
  findResourceOf(connectionId: string): Promise<Lookup<ResourceFacts>>
  close(): void
}

export interface DirectoryParams {
  environmentUrl: string
  accessToken: string
  timeoutMs: number
}

function describeRpcError(error: ConnectError, rpc: string, timeoutMs: number): string {
  switch (error.code) {
    case Code.Unimplemented:
      return `this Scalekit environment does not offer ${rpc} (a preview API)`
    case Code.PermissionDenied:
    case Code.Unauthenticated:
      return `the API credentials may not call ${rpc} (${Code[error.code]})`
    case Code.DeadlineExceeded:
      return `${rpc} got no answer within ${timeoutMs} ms`
    case Code.Unavailable:
      return `${rpc}: Scalekit could not be reached (${error.rawMessage.slice(0, 120)})`
    default:
      return `${rpc} failed (${Code[error.code]})`
  }
}

function readLoginEndpoint(settings: Record<string, unknown> | undefined): string | undefined {
  const value = settings?.authorize_uri ?? settings?.authorizeUri
  return typeof value === 'string' && value ? value : undefined
}

/** The directory over gRPC, as the SDK talks to Scalekit; closed after use so no session lingers. */
export function createGrpcDirectory({ environmentUrl, accessToken, timeoutMs }: DirectoryParams): ScalekitDirectory {
  const sessionManager = new Http2SessionManager(environmentUrl)
  const bearer: Interceptor = (next) => (request) => {
    request.header.set('authorization', `Bearer ${accessToken}`)
    return next(request)
  }
  const transport = createGrpcTransport({ baseUrl: environmentUrl, sessionManager, defaultTimeoutMs: timeoutMs, interceptors: [bearer] })
  const connections = createClient(ConnectionService, transport)
  const resources = createClient(ClientService, transport)

  return {
    async findConnection(connectionId) {
      try {
        const answer = await connections.getEnvironmentConnection({ connectionId })
        return { kind: 'found', value: { enabled: answer.connection?.enabled ?? true } }
      } catch (error) {
        const rpcError = ConnectError.from(error)
        if (rpcError.code === Code.NotFound) return { kind: 'missing' }
        return { kind: 'unavailable', reason: describeRpcError(rpcError, 'GetEnvironmentConnection', timeoutMs) }
      }
    },
    async findResourceOf(connectionId) {
      let pageToken = ''
      const seen = new Set<string>()
      try {
        for (let page = 0; page < MAX_RESOURCE_PAGES; page += 1) {
          const answer = await resources.listResources({ pageSize: RESOURCE_PAGE_SIZE, pageToken })
          const resource = answer.resources.find((candidate) => candidate.connectionDetails?.id === connectionId)
          if (resource) {
            const settings = resource.connectionDetails?.settings
            return {
              kind: 'found',
              value: {
                resourceId: resource.id,
                name: resource.name,
                connectionEnabled: resource.connectionDetails?.enabled ?? true,
                loginEndpoint: readLoginEndpoint(settings),
                settingKeys: Object.keys(settings ?? {}),
              },
            }
          }
          if (!answer.nextPageToken || seen.has(answer.nextPageToken)) return { kind: 'missing' }
          seen.add(answer.nextPageToken)
          pageToken = answer.nextPageToken
        }
        return { kind: 'unavailable', reason: `more than ${MAX_RESOURCE_PAGES * RESOURCE_PAGE_SIZE} MCP servers; not all were searched` }
      } catch (error) {
        return { kind: 'unavailable', reason: describeRpcError(ConnectError.from(error), 'ListResources', timeoutMs) }
      }
    },
    close() {
      sessionManager.abort()
    },
  }
}
