import { randomBytes } from 'node:crypto'
import type { JsonObject } from '@bufbuild/protobuf'
import type { SecretRecorder } from '../support/issued-secrets'
import { digestKey, randomBase62, randomToken } from './http-helpers'

export interface StandInConfig {
  baseUrl: string
  issuer: string
  bridgeLoginUrl: string
  clientId: string
  clientSecret: string
  connectionId: string
  resourceId: string
  resourceUrl: string
  loginRequestTtlSeconds: number
  accessTokenTtlSeconds: number
}

/** What an MCP client asked for at /oauth/authorize, kept until partner:callback issues a code. */
export interface ClientContext {
  clientId: string
  redirectUri: string
  codeChallenge: string
  clientState: string
  scope: string
  resource: string | undefined
}

export interface LoginRequest {
  id: string
  connectionId: string
  state: string
  createdAt: number
  expiresAt: number
  user: JsonObject | null
  loginFailed: boolean
  userDetailsCalls: number
  /** How many calls changed it: a repeat that was refused, or accepted as the same update, is not counted. */
  appliedUpdates: number
  authRequestId: string | null
  callbackUsed: boolean
  client: ClientContext | null
}

export type LoginRequestStatus = 'pending' | 'user_received' | 'failed' | 'callback_used'

export interface RegisteredClient {
  clientId: string
  clientSecret: string | undefined
  redirectUris: string[]
  tokenEndpointAuthMethod: 'none' | 'client_secret_post' | 'client_secret_basic'
  clientName: string | undefined
  scope: string | undefined
  createdAt: number
}

export interface AuthorizationGrant {
  clientId: string
  redirectUri: string
  codeChallenge: string
  scope: string
  resource: string | undefined
  user: JsonObject
  expiresAt: number
  used: boolean
}

export type UserDetailsFault =
  | 'none'
  | 'slow'
  | 'http500'
  | 'http503'
  | 'unavailable'
  | 'invalid_argument'
  | 'unauthenticated_once'
  | 'connection_refused'
  | 'answer_lost'

/**
 * How `answer_lost` loses the answer of the one call it hits, after the service has done its work:
 * UNAVAILABLE (HTTP 503 over REST), a reset stream (a dropped connection), or the answer held for
 * `delayMs`, past the caller's deadline.
 */
export type LostAnswer = 'unavailable' | 'reset' | 'slow'

/** What the service answers to a repeat of the very update a login request already holds. */
export type RepeatUpdate = 'refuse' | 'accept'

export interface FaultSettings {
  userDetails: UserDetailsFault
  /** How long `slow` holds each call, and `answer_lost` with `lostAs: 'slow'` its answer. */
  delayMs: number
  /** The share of calls (0..1) the fault applies to, for load with a partly failing Scalekit. */
  rate: number
  lostAs: LostAnswer
  /** `refuse` (FAILED_PRECONDITION, HTTP 409, as for any update of a finished request) or `accept` (the same authRequestId). */
  repeatUpdate: RepeatUpdate
}

export interface Stats {
  tokenFetches: number
  userDetailsCalls: number
  partnerCallbacks: number
  grpcCalls: number
  restCalls: number
}

const AUTHORIZATION_CODE_TTL_MS = 60_000

export class StandInStore {
  readonly loginRequests = new Map<string, LoginRequest>()
  readonly clients = new Map<string, RegisteredClient>()
  readonly knownConnections = new Set<string>()
  readonly faults: FaultSettings = { userDetails: 'none', delayMs: 0, rate: 1, lostAs: 'unavailable', repeatUpdate: 'refuse' }
  /** Where MCP clients are sent to sign in, when a test points them at another bridge. */
  bridgeLoginUrlOverride: string | null = null
  stats: Stats = emptyStats()
  // Secrets are looked up by digest, so a hash-map lookup never compares the secret itself.
  private readonly loginRequestIdsByState = new Map<string, string>()
  private readonly apiTokens = new Map<string, number>()
  private readonly codes = new Map<string, AuthorizationGrant>()
  private readonly refreshTokens = new Map<string, Omit<AuthorizationGrant, 'codeChallenge' | 'redirectUri' | 'used' | 'expiresAt'>>()

  /** Where every issued secret is noted for the e2e log scan; records nothing unless a secrets file is set. */
  constructor(
    readonly config: StandInConfig,
    readonly recordSecret: SecretRecorder = () => {},
  ) {
    this.knownConnections.add(config.connectionId)
  }

  createLoginRequest(
    connectionId: string,
    ttlSeconds: number,
    client: ClientContext | null,
    state: string = createAwkwardState(),
  ): LoginRequest {
    const now = Date.now()
    const loginRequest: LoginRequest = {
      id: `lri_${randomBase62(24)}`,
      connectionId,
      state,
      createdAt: now,
      expiresAt: now + ttlSeconds * 1000,
      user: null,
      loginFailed: false,
      userDetailsCalls: 0,
      appliedUpdates: 0,
      authRequestId: null,
      callbackUsed: false,
      client,
    }
    this.recordSecret('state', loginRequest.state)
    this.loginRequests.set(loginRequest.id, loginRequest)
    this.loginRequestIdsByState.set(digestKey(loginRequest.state), loginRequest.id)
    return loginRequest
  }

  isStateIssued(state: string): boolean {
    return this.loginRequestIdsByState.has(digestKey(state))
  }

  findLoginRequestByState(state: string): LoginRequest | undefined {
    const id = this.loginRequestIdsByState.get(digestKey(state))
    return id ? this.loginRequests.get(id) : undefined
  }

  recordApiToken(jwtId: string, expiresAt: number): void {
    this.apiTokens.set(jwtId, expiresAt)
  }

  isApiTokenActive(jwtId: string): boolean {
    const expiresAt = this.apiTokens.get(jwtId)
    return expiresAt !== undefined && expiresAt > Date.now()
  }

  revokeApiTokens(): number {
    const count = this.apiTokens.size
    this.apiTokens.clear()
    return count
  }

  issueAuthorizationCode(grant: Omit<AuthorizationGrant, 'expiresAt' | 'used'>): string {
    const code = randomToken(32)
    this.recordSecret('code', code)
    this.codes.set(digestKey(code), { ...grant, expiresAt: Date.now() + AUTHORIZATION_CODE_TTL_MS, used: false })
    return code
  }

  findAuthorizationCode(code: string): AuthorizationGrant | undefined {
    return this.codes.get(digestKey(code))
  }

  issueRefreshToken(grant: AuthorizationGrant): string {
    const token = randomToken(32)
    this.recordSecret('refresh_token', token)
    const { clientId, scope, resource, user } = grant
    this.refreshTokens.set(digestKey(token), { clientId, scope, resource, user })
    return token
  }

  /** Refresh tokens rotate: the presented one is spent whatever happens next. */
  takeRefreshToken(token: string) {
    const key = digestKey(token)
    const grant = this.refreshTokens.get(key)
    this.refreshTokens.delete(key)
    return grant
  }

  resetStats(): void {
    this.stats = emptyStats()
  }

  /** One UpdateLoginUserDetails call, in the totals and against its login request when known. */
  countUserDetailsCall(loginRequestId: string | undefined): LoginRequest | undefined {
    this.stats.userDetailsCalls += 1
    const loginRequest = loginRequestId ? this.loginRequests.get(loginRequestId) : undefined
    if (loginRequest) loginRequest.userDetailsCalls += 1
    return loginRequest
  }

  /** Whether the injected fault applies to this call (every call unless a rate below 1 is set). */
  faultHits(): boolean {
    return this.faults.rate >= 1 || Math.random() < this.faults.rate
  }

  /** How this call's answer is to be lost, when `answer_lost` hits it; the fault then switches itself off. */
  takeLostAnswer(): LostAnswer | null {
    if (this.faults.userDetails !== 'answer_lost' || !this.faultHits()) return null
    this.faults.userDetails = 'none'
    return this.faults.lostAs
  }
}

export function statusOf(loginRequest: LoginRequest): LoginRequestStatus {
  if (loginRequest.callbackUsed) return 'callback_used'
  if (loginRequest.loginFailed) return 'failed'
  if (loginRequest.user) return 'user_received'
  return 'pending'
}

export function isExpired(loginRequest: LoginRequest): boolean {
  return Date.now() >= loginRequest.expiresAt
}

/** Bridge login URL with both parameters, encoded by URLSearchParams (which escapes `~` as %7E). */
export function buildBridgeLoginUrl(bridgeLoginUrl: string, loginRequest: LoginRequest): string {
  const url = new URL(bridgeLoginUrl)
  url.searchParams.set('login_request_id', loginRequest.id)
  url.searchParams.set('state', loginRequest.state)
  return url.toString()
}

/**
 * Opaque on purpose, and awkward: 61 characters of [A-Za-z0-9_.~-], so a bridge that trims,
 * re-encodes or pattern-matches the state instead of returning it verbatim gets caught.
 */
function createAwkwardState(): string {
  return `${randomToken(32)}.${randomBytes(9).toString('base64url')}~${randomBytes(3).toString('base64url')}`
}

function emptyStats(): Stats {
  return { tokenFetches: 0, userDetailsCalls: 0, partnerCallbacks: 0, grpcCalls: 0, restCalls: 0 }
}

export interface StandInContext {
  config: StandInConfig
  store: StandInStore
  keys: import('./signing-keys').SigningKeys
  /** Stops accepting connections (a real ECONNREFUSED) for `ms`, then listens again on the same port. */
  refuseConnections(ms: number): void
}
