import http2 from 'node:http2'
import { create, toBinary } from '@bufbuild/protobuf'
import { Code } from '@connectrpc/connect'
import { UpdateLoginUserDetailsRequestSchema } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/auth/auth_pb'
import { ScalekitBadRequestException, ScalekitNotFoundException, ScalekitServerException } from '@scalekit-sdk/node'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startScalekitStandIn, type ScalekitStandIn } from './scalekit'
import { expectedPartnerCallback } from './partner-callback'
import { actAsBridge, createPkcePair, createSdk, followOneRedirect, locationOf } from './test-support'
import { untilClockPasses } from '../support/clock'

const BRIDGE_LOGIN_URL = 'http://localhost:3999/login'
const RESOURCE_URL = 'http://localhost:4999/mcp'
const REDIRECT_URI = 'http://127.0.0.1:5999/callback'
const ALICE = { sub: 'user-alice', email: 'alice@example.com' }

let standIn: ScalekitStandIn

beforeAll(async () => {
  standIn = await startScalekitStandIn({ port: 0, bridgeLoginUrl: BRIDGE_LOGIN_URL, resourceUrl: RESOURCE_URL })
})

afterAll(async () => {
  await standIn.close()
})

beforeEach(async () => {
  await control('POST', '/_standin/faults', { userDetails: 'none' })
  await control('POST', '/_standin/stats/reset')
})

/** The stand-in's control API answers with a JSON object; each case reads the fields it expects. */
async function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${standIn.url}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  })
  return response.json()
}

async function createLoginRequest(body: { connectionId?: string; ttlSeconds?: number; state?: string } = {}) {
  return (await control('POST', '/_standin/login-requests', body)) as { loginRequestId: string; state: string; loginUrl: string }
}

/** The instant the stand-in reads a login request as expired, epoch ms. */
async function expiryOf(loginRequestId: string): Promise<number> {
  return Date.parse(String((await control('GET', `/_standin/login-requests/${loginRequestId}`)).expiresAt))
}

async function fetchApiToken(): Promise<string> {
  const response = await fetch(`${standIn.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: standIn.config.clientId,
      client_secret: standIn.config.clientSecret,
    }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

async function rejectionOf(promise: Promise<unknown>): Promise<ScalekitServerException> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(ScalekitServerException)
  return error as ScalekitServerException
}

describe('UpdateLoginUserDetails over gRPC with the real SDK', () => {
  it('accepts the user, returns an authRequestId and fetches one token for two calls', async () => {
    const sdk = createSdk(standIn)
    const first = await createLoginRequest()
    const second = await createLoginRequest()

    const a = await sdk.auth.updateLoginUserDetails(standIn.config.connectionId, first.loginRequestId, {
      ...ALICE,
      givenName: 'Alice',
      emailVerified: true,
      groups: ['eng'],
      customAttributes: { team: 'blue' },
    })
    const b = await sdk.auth.updateLoginUserDetails(standIn.config.connectionId, second.loginRequestId, ALICE)

    expect(a.authRequestId).toMatch(/^ar_/)
    expect(b.authRequestId).toMatch(/^ar_/)
    const stats = await control('GET', '/_standin/stats')
    expect(stats.tokenFetches).toBe(1)
    expect(stats.userDetailsCalls).toBe(2)
    // First RPC without a token (UNAUTHENTICATED), its retry, then the second RPC.
    expect(stats.grpcCalls).toBe(3)

    const recorded = await control('GET', `/_standin/login-requests/${first.loginRequestId}`)
    expect(recorded.status).toBe('user_received')
    expect(recorded.authRequestId).toBe(a.authRequestId)
    expect(recorded.user).toMatchObject({
      sub: 'user-alice',
      email: 'alice@example.com',
      givenName: 'Alice',
      emailVerified: true,
      groups: ['eng'],
      customAttributes: { team: 'blue' },
      loginFailed: false,
    })
  })

  it('issues login request ids and awkward states in the documented shapes', async () => {
    const created = await createLoginRequest()
    expect(created.loginRequestId).toMatch(/^lri_[0-9A-Za-z]{24}$/)
    expect(created.state).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{12}~[A-Za-z0-9_-]{4}$/)
    const loginUrl = new URL(created.loginUrl)
    expect(`${loginUrl.origin}${loginUrl.pathname}`).toBe(BRIDGE_LOGIN_URL)
    expect(loginUrl.searchParams.get('state')).toBe(created.state)
  })

  it('answers NOT_FOUND "invalid ID" for a res_ id used as the connection id', async () => {
    const { loginRequestId } = await createLoginRequest()
    const error = await rejectionOf(createSdk(standIn).auth.updateLoginUserDetails(standIn.config.resourceId, loginRequestId, ALICE))
    expect(error).toBeInstanceOf(ScalekitNotFoundException)
    expect(error.grpcStatus).toBe(Code.NotFound)
    expect(error.message).toContain('invalid ID')
  })

  it('answers NOT_FOUND for an unknown connection, an unknown login request, or one of another connection', async () => {
    const sdk = createSdk(standIn)
    const { loginRequestId } = await createLoginRequest()
    const other = await createLoginRequest({ connectionId: 'conn_other0000001' })

    for (const [connectionId, id] of [
      ['conn_unknown00001', loginRequestId],
      [standIn.config.connectionId, 'lri_000000000000000000000000'],
      [standIn.config.connectionId, other.loginRequestId],
    ] as const) {
      const error = await rejectionOf(sdk.auth.updateLoginUserDetails(connectionId, id, ALICE))
      expect(error.grpcStatus).toBe(Code.NotFound)
      expect(error.message).toContain('invalid ID')
    }
  })

  it('refuses a second call on a completed login request', async () => {
    const sdk = createSdk(standIn)
    const { loginRequestId } = await createLoginRequest()
    await sdk.auth.updateLoginUserDetails(standIn.config.connectionId, loginRequestId, ALICE)
    const error = await rejectionOf(sdk.auth.updateLoginUserDetails(standIn.config.connectionId, loginRequestId, ALICE))
    expect(error).toBeInstanceOf(ScalekitBadRequestException)
    expect(error.grpcStatus).toBe(Code.FailedPrecondition)
    const recorded = await control('GET', `/_standin/login-requests/${loginRequestId}`)
    expect(recorded.userDetailsCalls).toBe(2)
  })

  it('refuses an expired login request', async () => {
    const { loginRequestId } = await createLoginRequest({ ttlSeconds: 0.2 })
    await untilClockPasses(await expiryOf(loginRequestId))
    const error = await rejectionOf(createSdk(standIn).auth.updateLoginUserDetails(standIn.config.connectionId, loginRequestId, ALICE))
    expect(error.grpcStatus).toBe(Code.FailedPrecondition)
    expect(error.message).toContain('login request expired')
  })

  it('needs sub and email unless the login failed', async () => {
    const sdk = createSdk(standIn)
    const { loginRequestId } = await createLoginRequest()
    const error = await rejectionOf(sdk.auth.updateLoginUserDetails(standIn.config.connectionId, loginRequestId, { sub: 'x' }))
    expect(error.grpcStatus).toBe(Code.InvalidArgument)

    await sdk.auth.updateLoginUserDetails(standIn.config.connectionId, loginRequestId, { loginFailed: true })
    const recorded = await control('GET', `/_standin/login-requests/${loginRequestId}`)
    expect(recorded.status).toBe('failed')
    expect(recorded.loginFailed).toBe(true)
  })

  it('fails with a bad client secret', async () => {
    const { loginRequestId } = await createLoginRequest()
    const sdk = createSdk(standIn, 'not-the-secret')
    await expect(sdk.auth.updateLoginUserDetails(standIn.config.connectionId, loginRequestId, ALICE)).rejects.toThrow()
    const recorded = await control('GET', `/_standin/login-requests/${loginRequestId}`)
    expect(recorded.status).toBe('pending')
  })

  it('makes the SDK fetch a new token after the tokens are revoked', async () => {
    const sdk = createSdk(standIn)
    await sdk.auth.updateLoginUserDetails(standIn.config.connectionId, (await createLoginRequest()).loginRequestId, ALICE)
    await control('POST', '/_standin/tokens/revoke')
    await sdk.auth.updateLoginUserDetails(standIn.config.connectionId, (await createLoginRequest()).loginRequestId, ALICE)
    expect((await control('GET', '/_standin/stats')).tokenFetches).toBe(2)
  })

  it('injects faults until they are reset', async () => {
    const sdk = createSdk(standIn)
    const connectionId = standIn.config.connectionId

    await control('POST', '/_standin/faults', { userDetails: 'invalid_argument' })
    const invalid = await rejectionOf(sdk.auth.updateLoginUserDetails(connectionId, (await createLoginRequest()).loginRequestId, ALICE))
    expect(invalid.grpcStatus).toBe(Code.InvalidArgument)

    await control('POST', '/_standin/faults', { userDetails: 'http500' })
    await expect(sdk.auth.updateLoginUserDetails(connectionId, (await createLoginRequest()).loginRequestId, ALICE)).rejects.toThrow()

    await control('POST', '/_standin/faults', { userDetails: 'slow', delayMs: 300 })
    const started = Date.now()
    await sdk.auth.updateLoginUserDetails(connectionId, (await createLoginRequest()).loginRequestId, ALICE)
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)

    await control('POST', '/_standin/faults', { userDetails: 'unauthenticated_once' })
    await control('POST', '/_standin/stats/reset')
    await sdk.auth.updateLoginUserDetails(connectionId, (await createLoginRequest()).loginRequestId, ALICE)
    expect((await control('GET', '/_standin/stats')).tokenFetches).toBe(1)
    expect((await control('GET', '/_standin/faults')).userDetails).toBe('none')
  })

  it('answers UNAVAILABLE, which the SDK retries with backoff before giving up', async () => {
    await control('POST', '/_standin/faults', { userDetails: 'unavailable' })
    const { loginRequestId } = await createLoginRequest()
    const error = await rejectionOf(createSdk(standIn).auth.updateLoginUserDetails(standIn.config.connectionId, loginRequestId, ALICE))
    expect(error.grpcStatus).toBe(Code.Unavailable)
    expect((await control('GET', `/_standin/login-requests/${loginRequestId}`)).status).toBe('pending')
  })
})

/** One raw gRPC UpdateLoginUserDetails over h2c; returns the HTTP status and the grpc-status trailer. */
async function rawGrpcUpdate(loginRequestId: string, token: string): Promise<{ status: number; grpcStatus: string | undefined }> {
  const message = toBinary(
    UpdateLoginUserDetailsRequestSchema,
    create(UpdateLoginUserDetailsRequestSchema, { connectionId: standIn.config.connectionId, loginRequestId, user: ALICE }),
  )
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from(message)])
  frame.writeUInt32BE(message.length, 1)
  const session = http2.connect(standIn.url)
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/scalekit.v1.auth.AuthService/UpdateLoginUserDetails',
        'content-type': 'application/grpc',
        te: 'trailers',
        authorization: `Bearer ${token}`,
      })
      let status = 0
      let grpcStatus: string | undefined
      stream.on('response', (headers) => {
        status = Number(headers[':status'])
        grpcStatus = headers['grpc-status'] as string | undefined
      })
      stream.on('trailers', (trailers) => (grpcStatus = trailers['grpc-status'] as string | undefined))
      stream.on('error', reject)
      stream.on('data', () => {})
      stream.on('end', () => resolve({ status, grpcStatus }))
      stream.end(frame)
    })
  } finally {
    session.close()
  }
}

describe('fault switches for the reliability cases', () => {
  it('http503 answers a plain HTTP 503 and counts the call against its login request', async () => {
    await control('POST', '/_standin/faults', { userDetails: 'http503' })
    const token = await fetchApiToken()
    const { loginRequestId } = await createLoginRequest()
    expect(await rawGrpcUpdate(loginRequestId, token)).toEqual({ status: 503, grpcStatus: undefined })
    expect(await rawGrpcUpdate(loginRequestId, token)).toEqual({ status: 503, grpcStatus: undefined })
    expect(await control('GET', `/_standin/login-requests/${loginRequestId}`)).toMatchObject({ status: 'pending', userDetailsCalls: 2 })

    await control('POST', '/_standin/faults', { userDetails: 'none' })
    expect(await rawGrpcUpdate(loginRequestId, token)).toEqual({ status: 200, grpcStatus: '0' })
  })

  it('a rate applies the fault to about that share of calls', async () => {
    await control('POST', '/_standin/faults', { userDetails: 'http503', rate: 0.25 })
    const token = await fetchApiToken()
    let refused = 0
    for (let i = 0; i < 200; i += 1) {
      const { loginRequestId } = await createLoginRequest()
      if ((await rawGrpcUpdate(loginRequestId, token)).status === 503) refused += 1
    }
    // Binomial(200, 0.25): mean 50, standard deviation 6.1; the bounds are about 4 deviations out.
    expect(refused).toBeGreaterThan(25)
    expect(refused).toBeLessThan(75)
  })

  it('refuses out-of-range rates and an outage without a duration', async () => {
    const bad = async (body: unknown) => {
      const response = await fetch(`${standIn.url}/_standin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return response.status
    }
    expect(await bad({ userDetails: 'http503', rate: 0 })).toBe(400)
    expect(await bad({ userDetails: 'http503', rate: 1.5 })).toBe(400)
    expect(await bad({ userDetails: 'connection_refused' })).toBe(400)
    expect(await bad({ userDetails: 'connection_refused', forMs: 120_000 })).toBe(400)
    expect(await bad({ userDetails: 'slow', forMs: 100 })).toBe(400)
    expect(await bad({ userDetails: 'answer_lost', lostAs: 'never' })).toBe(400)
    expect(await bad({ userDetails: 'answer_lost', lostAs: 'slow' })).toBe(400)
    expect(await bad({ userDetails: 'slow', delayMs: 100, lostAs: 'reset' })).toBe(400)
    expect(await bad({ userDetails: 'none', repeatUpdate: 'sometimes' })).toBe(400)
  })

  it('answer_lost lets the next call do its work, then loses its answer: UNAVAILABLE, a reset stream, or late', async () => {
    const token = await fetchApiToken()
    const readBack = async (loginRequestId: string) => control('GET', `/_standin/login-requests/${loginRequestId}`)

    await control('POST', '/_standin/faults', { userDetails: 'answer_lost' })
    const first = await createLoginRequest()
    expect(await rawGrpcUpdate(first.loginRequestId, token)).toEqual({ status: 200, grpcStatus: String(Code.Unavailable) })
    expect(await readBack(first.loginRequestId)).toMatchObject({ status: 'user_received', userDetailsCalls: 1, appliedUpdates: 1 })
    // It hits one call only; the repeat of the same update is then refused, as for any finished request.
    expect((await control('GET', '/_standin/faults')).userDetails).toBe('none')
    expect(await rawGrpcUpdate(first.loginRequestId, token)).toEqual({ status: 200, grpcStatus: String(Code.FailedPrecondition) })
    expect(await readBack(first.loginRequestId)).toMatchObject({ userDetailsCalls: 2, appliedUpdates: 1 })

    await control('POST', '/_standin/faults', { userDetails: 'answer_lost', lostAs: 'reset' })
    const second = await createLoginRequest()
    await expect(rawGrpcUpdate(second.loginRequestId, token)).rejects.toThrow(/NGHTTP2_INTERNAL_ERROR/)
    expect(await readBack(second.loginRequestId)).toMatchObject({ status: 'user_received', appliedUpdates: 1 })

    await control('POST', '/_standin/faults', { userDetails: 'answer_lost', lostAs: 'slow', delayMs: 300 })
    const third = await createLoginRequest()
    const started = Date.now()
    expect(await rawGrpcUpdate(third.loginRequestId, token)).toEqual({ status: 200, grpcStatus: '0' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
  })

  it('repeatUpdate accept answers a repeat of the same update with its authRequestId, and refuses any other update', async () => {
    await control('POST', '/_standin/faults', { userDetails: 'none', repeatUpdate: 'accept' })
    const sdk = createSdk(standIn)
    const connectionId = standIn.config.connectionId
    const { loginRequestId, state } = await createLoginRequest()
    const first = await sdk.auth.updateLoginUserDetails(connectionId, loginRequestId, ALICE)
    expect((await sdk.auth.updateLoginUserDetails(connectionId, loginRequestId, ALICE)).authRequestId).toBe(first.authRequestId)

    const other = await rejectionOf(
      sdk.auth.updateLoginUserDetails(connectionId, loginRequestId, { ...ALICE, email: 'mallory@example.com' }),
    )
    expect(other.grpcStatus).toBe(Code.FailedPrecondition)
    const cancel = await rejectionOf(sdk.auth.updateLoginUserDetails(connectionId, loginRequestId, { loginFailed: true }))
    expect(cancel.grpcStatus).toBe(Code.FailedPrecondition)
    expect(await control('GET', `/_standin/login-requests/${loginRequestId}`)).toMatchObject({
      user: { email: ALICE.email },
      authRequestId: first.authRequestId,
      userDetailsCalls: 4,
      appliedUpdates: 1,
    })

    // Once partner:callback has used the request, even the same update is refused.
    expect((await fetch(expectedPartnerCallback(standIn.url, connectionId, state))).status).toBe(200)
    expect((await rejectionOf(sdk.auth.updateLoginUserDetails(connectionId, loginRequestId, ALICE))).grpcStatus).toBe(
      Code.FailedPrecondition,
    )
  })

  it('connection_refused closes the port (ECONNREFUSED) and reopens it by itself', async () => {
    const health = () =>
      fetch(`${standIn.url}/_standin/health`).then(
        (response) => response.status,
        (error: Error & { cause?: { code?: string } }) => error.cause?.code,
      )
    await control('POST', '/_standin/faults', { userDetails: 'connection_refused', forMs: 600 })
    // The port closes once the answer above has gone out, and opens again 600 ms later.
    await expect.poll(health, { interval: 20 }).toBe('ECONNREFUSED')
    await expect.poll(health, { interval: 50, timeout: 5_000 }).toBe(200)
    expect((await control('GET', '/_standin/faults')).userDetails).toBe('none')
  })
})

describe('REST and token endpoints', () => {
  const restUrl = (connectionId: string, loginRequestId: string) =>
    `${standIn.url}/api/v1/connections/${connectionId}/auth-requests/${loginRequestId}/user`

  it('refuses a bad client at /oauth/token', async () => {
    const response = await fetch(`${standIn.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: standIn.config.clientId, client_secret: 'nope' }),
    })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'invalid_client' })
  })

  it('serves the JWKS', async () => {
    const jwks = (await (await fetch(`${standIn.url}/keys`)).json()) as { keys: Array<{ kty: string; alg: string }> }
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' })
  })

  it('applies the same rules as gRPC', async () => {
    const { loginRequestId } = await createLoginRequest()
    const body = JSON.stringify({ sub: 'user-bob', email: 'bob@example.com', given_name: 'Bob', family_name: 'Doe', email_verified: true })
    const post = (url: string, token?: string, payload = body) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: payload,
      })

    expect((await post(restUrl(standIn.config.connectionId, loginRequestId))).status).toBe(401)
    expect((await post(restUrl(standIn.config.connectionId, loginRequestId), 'not-a-token')).status).toBe(401)
    const token = await fetchApiToken()

    const wrongId = await post(restUrl(standIn.config.resourceId, loginRequestId), token)
    expect(wrongId.status).toBe(404)
    expect(await wrongId.json()).toEqual({ error: 'invalid ID' })
    expect((await post(restUrl(standIn.config.connectionId, loginRequestId), token, '{"sub":"x"}')).status).toBe(400)
    expect((await post(restUrl(standIn.config.connectionId, loginRequestId), token, '{"sub":"x","email":"x@y.z","nope":1}')).status).toBe(
      400,
    )

    const ok = await post(restUrl(standIn.config.connectionId, loginRequestId), token)
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as { auth_request_id: string }).auth_request_id).toMatch(/^ar_/)
    expect((await post(restUrl(standIn.config.connectionId, loginRequestId), token)).status).toBe(409)

    const recorded = await control('GET', `/_standin/login-requests/${loginRequestId}`)
    expect(recorded.user).toMatchObject({ sub: 'user-bob', givenName: 'Bob', familyName: 'Doe', emailVerified: true })

    const expired = await createLoginRequest({ ttlSeconds: 0.2 })
    await untilClockPasses(await expiryOf(expired.loginRequestId))
    const gone = await post(restUrl(standIn.config.connectionId, expired.loginRequestId), token)
    expect(gone.status).toBe(410)
    expect(await gone.json()).toEqual({ error: 'login request expired' })

    await control('POST', '/_standin/tokens/revoke')
    const revoked = await post(restUrl(standIn.config.connectionId, (await createLoginRequest()).loginRequestId), token)
    expect(revoked.status).toBe(401)
  })

  it('loses an answer and accepts a repeat as over gRPC', async () => {
    const token = await fetchApiToken()
    const { loginRequestId } = await createLoginRequest()
    const post = () =>
      fetch(restUrl(standIn.config.connectionId, loginRequestId), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(ALICE),
      })
    await control('POST', '/_standin/faults', { userDetails: 'answer_lost', repeatUpdate: 'accept' })
    expect((await post()).status).toBe(503)
    const again = await post()
    expect(again.status).toBe(200)
    const held = await control('GET', `/_standin/login-requests/${loginRequestId}`)
    expect(await again.json()).toEqual({ auth_request_id: held.authRequestId })
    expect(held).toMatchObject({ userDetailsCalls: 2, appliedUpdates: 1 })

    await control('POST', '/_standin/faults', { userDetails: 'answer_lost', lostAs: 'reset' })
    await expect(post()).rejects.toThrow()
  })
})

describe('partner:callback', () => {
  const callbackUrl = (state: string, connectionId = standIn.config.connectionId) =>
    expectedPartnerCallback(standIn.url, connectionId, state)

  it('refuses an unknown state and a state whose user details have not arrived', async () => {
    const unknown = await fetch(callbackUrl('made-up-state'))
    expect(unknown.status).toBe(400)
    expect(await unknown.text()).toContain('unknown or already used state')

    const { state } = await createLoginRequest()
    const early = await fetch(callbackUrl(state))
    expect(early.status).toBe(400)
    expect(await early.text()).toContain('unknown or already used state')
  })

  it('accepts the right state once and shows the received user', async () => {
    const created = await createLoginRequest()
    await createSdk(standIn).auth.updateLoginUserDetails(standIn.config.connectionId, created.loginRequestId, ALICE)

    expect((await fetch(callbackUrl(created.state.slice(0, -1)))).status).toBe(400)
    expect((await fetch(callbackUrl(created.state, standIn.config.resourceId))).status).toBe(404)

    const accepted = await fetch(callbackUrl(created.state))
    expect(accepted.status).toBe(200)
    const page = await accepted.text()
    expect(page).toContain(`Scalekit stand-in: login request ${created.loginRequestId} completed`)
    expect(page).toContain('data-testid="received-user"')
    expect(page).toContain('alice@example.com')
    expect((await control('GET', `/_standin/login-requests/${created.loginRequestId}`)).status).toBe('callback_used')

    const again = await fetch(callbackUrl(created.state))
    expect(again.status).toBe(400)
    expect(await again.text()).toContain('unknown or already used state')
  })

  it('matches a chosen state exactly, whatever characters it holds', async () => {
    const state = 'a+b/c=d %e~f.g'
    const created = await createLoginRequest({ state })
    expect(new URL(created.loginUrl).searchParams.get('state')).toBe(state)
    await createSdk(standIn).auth.updateLoginUserDetails(standIn.config.connectionId, created.loginRequestId, ALICE)
    // A bridge that forgets to encode turns + into a space: refused.
    const unencoded = `${standIn.url}/sso/v1/connections/${standIn.config.connectionId}/partner:callback?state=a+b/c=d`
    expect((await fetch(unencoded)).status).toBe(400)
    expect((await fetch(callbackUrl(state))).status).toBe(200)
  })

  it('reports a failed login on the page', async () => {
    const created = await createLoginRequest()
    await createSdk(standIn).auth.updateLoginUserDetails(standIn.config.connectionId, created.loginRequestId, { loginFailed: true })
    const page = await (await fetch(callbackUrl(created.state))).text()
    expect(page).toContain(`Scalekit stand-in: login request ${created.loginRequestId} failed`)
  })
})

describe('OAuth 2.1 authorization server for MCP clients', () => {
  async function registerClient(): Promise<string> {
    const response = await fetch(`${standIn.issuer.replace(/\/$/, '')}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'test', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' }),
    })
    expect(response.status).toBe(201)
    const client = (await response.json()) as { client_id: string; client_secret?: string }
    expect(client.client_id).toMatch(/^mcp_/)
    expect(client.client_secret).toBeUndefined()
    return client.client_id
  }

  function authorizeUrl(clientId: string, challenge: string, overrides: Record<string, string> = {}): string {
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'client-state-123',
      scope: 'openid profile email',
      resource: RESOURCE_URL,
      ...overrides,
    })
    return `${standIn.url}/oauth/authorize?${params}`
  }

  function exchangeCode(clientId: string, code: string, verifier: string) {
    return fetch(`${standIn.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
        resource: RESOURCE_URL,
      }),
    })
  }

  it('publishes RFC 8414 metadata for the resource', async () => {
    const url = `${standIn.url}/.well-known/oauth-authorization-server/resources/${standIn.config.resourceId}`
    const metadata = (await (await fetch(url)).json()) as Record<string, unknown>
    expect(metadata).toMatchObject({
      issuer: standIn.issuer,
      authorization_endpoint: `${standIn.url}/oauth/authorize`,
      token_endpoint: `${standIn.url}/oauth/token`,
      registration_endpoint: `${standIn.issuer}/register`,
      jwks_uri: `${standIn.url}/keys`,
      code_challenge_methods_supported: ['S256'],
    })
  })

  it('refuses untrusted redirect URIs with a page, and bad requests with a redirect', async () => {
    const clientId = await registerClient()
    const { challenge } = createPkcePair()

    const unknownRedirect = await followOneRedirect(authorizeUrl(clientId, challenge, { redirect_uri: 'http://127.0.0.1:5999/other' }))
    expect(unknownRedirect.status).toBe(400)
    expect((await followOneRedirect(authorizeUrl('mcp_unknown', challenge))).status).toBe(400)

    const plain = new URL(locationOf(await followOneRedirect(authorizeUrl(clientId, challenge, { code_challenge_method: 'plain' }))))
    expect(plain.searchParams.get('error')).toBe('invalid_request')
    expect(plain.searchParams.get('state')).toBe('client-state-123')

    const wrongResource = new URL(
      locationOf(await followOneRedirect(authorizeUrl(clientId, challenge, { resource: 'http://evil.example/mcp' }))),
    )
    expect(wrongResource.searchParams.get('error')).toBe('invalid_target')

    const badRegistration = await fetch(`${standIn.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://example.com/callback'] }),
    })
    expect(badRegistration.status).toBe(400)
  })

  it('runs DCR, PKCE, the bridge round trip and the code exchange', async () => {
    const clientId = await registerClient()
    const { challenge } = createPkcePair()

    const toBridge = locationOf(await followOneRedirect(authorizeUrl(clientId, challenge)))
    const loginUrl = new URL(toBridge)
    expect(`${loginUrl.origin}${loginUrl.pathname}`).toBe(BRIDGE_LOGIN_URL)
    expect(loginUrl.searchParams.get('login_request_id')).toMatch(/^lri_[0-9A-Za-z]{24}$/)

    const callback = await actAsBridge(standIn, toBridge, { ...ALICE, name: 'Alice Doe' })
    const backToClient = new URL(locationOf(await followOneRedirect(callback)))
    expect(`${backToClient.origin}${backToClient.pathname}`).toBe(REDIRECT_URI)
    expect(backToClient.searchParams.get('state')).toBe('client-state-123')
    const code = backToClient.searchParams.get('code') ?? ''
    expect(code).not.toBe('')

    const wrongVerifier = await exchangeCode(clientId, code, createPkcePair().verifier)
    expect(wrongVerifier.status).toBe(400)
    expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('issues an RS256 access token for the resource, once per code', async () => {
    const clientId = await registerClient()
    const { verifier, challenge } = createPkcePair()
    const callback = await actAsBridge(standIn, locationOf(await followOneRedirect(authorizeUrl(clientId, challenge))), {
      ...ALICE,
      name: 'Alice Doe',
    })
    const code = new URL(locationOf(await followOneRedirect(callback))).searchParams.get('code') ?? ''

    const response = await exchangeCode(clientId, code, verifier)
    expect(response.status).toBe(200)
    const tokens = (await response.json()) as { access_token: string; token_type: string; expires_in: number }
    expect(tokens.token_type).toBe('Bearer')
    expect(tokens.expires_in).toBe(3600)

    const jwks = createLocalJWKSet(await (await fetch(`${standIn.url}/keys`)).json())
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: standIn.issuer, audience: RESOURCE_URL })
    expect(payload).toMatchObject({
      sub: ALICE.sub,
      email: ALICE.email,
      name: 'Alice Doe',
      client_id: clientId,
      scope: 'openid profile email',
    })
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600)

    const reused = await exchangeCode(clientId, code, verifier)
    expect(reused.status).toBe(400)
  })

  it('sends access_denied back to the client when the bridge reports a failed login', async () => {
    const clientId = await registerClient()
    const { challenge } = createPkcePair()
    const callback = await actAsBridge(standIn, locationOf(await followOneRedirect(authorizeUrl(clientId, challenge))), {
      loginFailed: true,
    })
    const backToClient = new URL(locationOf(await followOneRedirect(callback)))
    expect(backToClient.searchParams.get('error')).toBe('access_denied')
    expect(backToClient.searchParams.get('state')).toBe('client-state-123')
    expect(backToClient.searchParams.get('code')).toBeNull()
  })
})
