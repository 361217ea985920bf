import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { readSecrets } from '../support/issued-secrets'
import {
  EXPIRED_SECONDS_AGO,
  IDP_USERS,
  startTestIdp,
  WRONG_AUDIENCE,
  WRONG_ISSUER,
  type IdpUser,
  type IdTokenFault,
  type TestIdp,
} from './idp'

const CLIENT = { clientId: 'bridge-test', clientSecret: 'bridge-test-secret-0123456789' }
const REDIRECT_URI = 'http://localhost:3999/api/auth/callback/acme'
const SCOPE = 'openid email profile groups org'

let idp: TestIdp
let secretsDir: string
let secretsFile: string

beforeAll(async () => {
  secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-secrets-'))
  secretsFile = path.join(secretsDir, 'secrets.jsonl')
  idp = await startTestIdp({ port: 0, controlPort: 0, clients: [{ ...CLIENT, redirectUris: [REDIRECT_URI] }], secretsFile })
})

afterAll(async () => {
  await idp.close()
  fs.rmSync(secretsDir, { recursive: true, force: true })
})

beforeEach(async () => {
  await control('/_idp/reset')
})

async function control(path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${idp.controlUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  })
  expect(response.status).toBe(200)
  return response
}

type Step = { kind: 'page'; url: URL; status: number; html: string } | { kind: 'left-idp'; location: URL }

/** Enough of a browser for the IdP: one cookie jar, redirects followed until they leave the IdP. */
class TestBrowser {
  private readonly cookies = new Map<string, string>()

  async open(url: URL | string, init: RequestInit = {}): Promise<Step> {
    let current = new URL(url)
    let response = await this.send(current, init)
    while (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') ?? '', current)
      if (location.origin !== new URL(idp.issuer).origin) return { kind: 'left-idp', location }
      current = location
      response = await this.send(current, {})
    }
    return { kind: 'page', url: current, status: response.status, html: await response.text() }
  }

  /** Posts the page's form the way a browser would, with `fields` as the entered values. */
  async submit(page: Step, fields: Record<string, string>): Promise<Step> {
    if (page.kind !== 'page') throw new Error('no page to submit a form on')
    const action = /<form method="post" action="([^"]+)"/.exec(page.html)?.[1]
    if (!action) throw new Error(`no form on ${page.url}`)
    return this.open(new URL(action, page.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    })
  }

  private async send(url: URL, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '))
    const response = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const separator = pair.indexOf('=')
      const name = pair.slice(0, separator).trim()
      const value = pair.slice(separator + 1).trim()
      const expired = attributes.some((attribute) => /^\s*expires=.*1970/i.test(attribute))
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return response
  }
}

interface AuthorizationRequest {
  url: URL
  state: string
  nonce: string
  codeVerifier: string
}

async function createAuthorizationRequest(): Promise<AuthorizationRequest> {
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const codeVerifier = oauth.generateRandomCodeVerifier()
  const url = new URL('/auth', idp.issuer)
  url.search = new URLSearchParams({
    client_id: CLIENT.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: SCOPE,
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  }).toString()
  return { url, state, nonce, codeVerifier }
}

/** Signs in as `user` and answers the consent page; resolves with where the IdP sent the browser. */
async function signIn(request: AuthorizationRequest, user: IdpUser, decision: 'allow' | 'deny'): Promise<URL> {
  const browser = new TestBrowser()
  const login = await browser.open(request.url)
  expect(login).toMatchObject({ kind: 'page', status: 200 })
  const consent = await browser.submit(login, { username: user.username, password: user.password })
  expect(consent.kind === 'page' && consent.html).toContain('Allow access?')
  const done = await browser.submit(consent, { decision })
  if (done.kind !== 'left-idp') throw new Error(`expected a redirect to the client, got ${JSON.stringify(done)}`)
  return done.location
}

/** The token request a client makes, by hand, so a forged id_token reaches the test unchecked. */
async function exchangeCode(callback: URL, codeVerifier: string): Promise<{ id_token: string; access_token: string }> {
  const basic = Buffer.from(`${encodeURIComponent(CLIENT.clientId)}:${encodeURIComponent(CLIENT.clientSecret)}`).toString('base64')
  const response = await fetch(new URL('/token', idp.issuer), {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT_URI,
      code_verifier: codeVerifier,
    }),
  })
  expect(response.status).toBe(200)
  return (await response.json()) as { id_token: string; access_token: string }
}

function jwks() {
  return createRemoteJWKSet(new URL('/jwks', idp.issuer))
}

describe('discovery', () => {
  it('publishes the issuer, PKCE S256 and a JWKS with the signing key', async () => {
    const response = await fetch(new URL('/.well-known/openid-configuration', idp.issuer))
    expect(response.status).toBe(200)
    const metadata = (await response.json()) as Record<string, unknown>
    expect(metadata.issuer).toBe(idp.issuer)
    expect(metadata.code_challenge_methods_supported).toContain('S256')
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile', 'groups', 'org']))

    const keys = (await (await fetch(String(metadata.jwks_uri))).json()) as { keys: Array<Record<string, unknown>> }
    expect(keys.keys).toHaveLength(1)
    expect(keys.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.stringMatching(/^test-idp-/) })
    expect(keys.keys[0]).not.toHaveProperty('d')
    // No Cache-Control on either document: a client keeps them as long as it likes.
    expect(response.headers.get('cache-control')).toBeNull()
  })
})

describe('authorization code flow', () => {
  it('signs Ada in and issues an id_token with the claims of every granted scope', async () => {
    const request = await createAuthorizationRequest()
    const callback = await signIn(request, IDP_USERS.ada, 'allow')
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI)

    // oauth4webapi is what Auth.js uses underneath, so this is the bridge's own view of the IdP.
    const insecure = { [oauth.allowInsecureRequests]: true }
    const issuer = new URL(idp.issuer)
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure))
    const client = { client_id: CLIENT.clientId }
    const params = oauth.validateAuthResponse(as, client, callback, request.state)
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(CLIENT.clientSecret),
      params,
      REDIRECT_URI,
      request.codeVerifier,
      insecure,
    )
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: request.nonce,
      requireIdToken: true,
    })

    const { payload, protectedHeader } = await jwtVerify(tokens.id_token ?? '', jwks(), {
      issuer: idp.issuer,
      audience: CLIENT.clientId,
    })
    expect(protectedHeader.alg).toBe('RS256')
    expect(payload).toMatchObject({ ...IDP_USERS.ada.claims, nonce: request.nonce })
  })

  it('leaves out what a user does not have: no org for Grace, no email at all for nomail', async () => {
    const graceRequest = await createAuthorizationRequest()
    const grace = decodeJwt((await exchangeCode(await signIn(graceRequest, IDP_USERS.grace, 'allow'), graceRequest.codeVerifier)).id_token)
    expect(grace).toMatchObject({ sub: 'idp-user-grace', email: 'grace@acme.test', email_verified: false, groups: ['research'] })
    expect(grace).not.toHaveProperty('org')

    const nomailRequest = await createAuthorizationRequest()
    const nomail = decodeJwt(
      (await exchangeCode(await signIn(nomailRequest, IDP_USERS.nomail, 'allow'), nomailRequest.codeVerifier)).id_token,
    )
    expect(nomail).toMatchObject({ sub: 'idp-user-nomail', name: 'No Mail' })
    expect(nomail).not.toHaveProperty('email')
    expect(nomail).not.toHaveProperty('email_verified')
  })

  it('sends the client access_denied when the user denies consent', async () => {
    const request = await createAuthorizationRequest()
    const callback = await signIn(request, IDP_USERS.ada, 'deny')
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI)
    expect(callback.searchParams.get('error')).toBe('access_denied')
    expect(callback.searchParams.get('error_description')).toBe('End-User aborted interaction')
    expect(callback.searchParams.get('state')).toBe(request.state)
    expect(callback.searchParams.has('code')).toBe(false)
  })

  it('re-renders the login page on a wrong password', async () => {
    const browser = new TestBrowser()
    const login = await browser.open((await createAuthorizationRequest()).url)
    expect(login.kind === 'page' && login.html).toContain('Acme IdP sign-in')
    const retry = await browser.submit(login, { username: IDP_USERS.ada.username, password: 'not-her-password' })
    expect(retry).toMatchObject({ kind: 'page', status: 401 })
    expect(retry.kind === 'page' && retry.html).toContain('Wrong username or password')
    expect(retry.kind === 'page' && retry.html).toContain('<h1>Acme IdP sign-in</h1>')
  })

  it('notes every code and token it issues in the secrets file, forged id_tokens as sent', async () => {
    const request = await createAuthorizationRequest()
    const callback = await signIn(request, IDP_USERS.ada, 'allow')
    const code = callback.searchParams.get('code') ?? ''
    expect(readSecrets(secretsFile)).toContainEqual({ kind: 'idp_code', value: code })

    await control('/_idp/faults', { idToken: 'wrong_nonce' })
    const tokens = await exchangeCode(callback, request.codeVerifier)
    const recorded = readSecrets(secretsFile)
    expect(recorded).toContainEqual({ kind: 'id_token', value: tokens.id_token })
    expect(recorded).toContainEqual({ kind: 'idp_access_token', value: tokens.access_token })
    expect(decodeJwt(tokens.id_token).nonce).not.toBe(request.nonce)
  })

  it('refuses an authorization request without PKCE', async () => {
    const request = await createAuthorizationRequest()
    request.url.searchParams.delete('code_challenge')
    request.url.searchParams.delete('code_challenge_method')
    const step = await new TestBrowser().open(request.url)
    if (step.kind !== 'left-idp') throw new Error('expected an error redirect to the client')
    expect(step.location.searchParams.get('error')).toBe('invalid_request')
  })
})

describe('fault switches', () => {
  it('wrong_audience: a well-signed id_token for some other client', async () => {
    await control('/_idp/faults', { idToken: 'wrong_audience' })
    const request = await createAuthorizationRequest()
    const { id_token } = await exchangeCode(await signIn(request, IDP_USERS.ada, 'allow'), request.codeVerifier)

    const { payload } = await jwtVerify(id_token, jwks(), { issuer: idp.issuer })
    expect(payload.aud).toBe(WRONG_AUDIENCE)
    expect(payload.email).toBe(IDP_USERS.ada.claims.email)
    await expect(jwtVerify(id_token, jwks(), { audience: CLIENT.clientId })).rejects.toBeInstanceOf(joseErrors.JWTClaimValidationFailed)
  })

  it('bad_signature: the real kid, a signature the JWKS cannot verify', async () => {
    await control('/_idp/faults', { idToken: 'bad_signature' })
    const request = await createAuthorizationRequest()
    const { id_token } = await exchangeCode(await signIn(request, IDP_USERS.ada, 'allow'), request.codeVerifier)

    expect(decodeJwt(id_token)).toMatchObject({ aud: CLIENT.clientId, email: IDP_USERS.ada.claims.email })
    await expect(jwtVerify(id_token, jwks())).rejects.toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed)
  })

  /** Signs Ada in with `fault` switched on; resolves with the id_token the client received. */
  async function idTokenWith(fault: IdTokenFault): Promise<{ idToken: string; nonce: string }> {
    await control('/_idp/faults', { idToken: fault })
    const request = await createAuthorizationRequest()
    const { id_token } = await exchangeCode(await signIn(request, IDP_USERS.ada, 'allow'), request.codeVerifier)
    return { idToken: id_token, nonce: request.nonce }
  }

  it("wrong_issuer: another https issuer, signed with the IdP's own key", async () => {
    const { idToken, nonce } = await idTokenWith('wrong_issuer')

    const { payload, protectedHeader } = await jwtVerify(idToken, jwks(), { audience: CLIENT.clientId })
    expect(protectedHeader.alg).toBe('RS256')
    expect(payload.iss).toBe(WRONG_ISSUER)
    expect(new URL(WRONG_ISSUER).protocol).toBe('https:')
    expect(new URL(WRONG_ISSUER).origin).not.toBe(new URL(idp.issuer).origin)
    expect(payload).toMatchObject({ sub: IDP_USERS.ada.claims.sub, email: IDP_USERS.ada.claims.email, nonce })
    await expect(jwtVerify(idToken, jwks(), { issuer: idp.issuer })).rejects.toBeInstanceOf(joseErrors.JWTClaimValidationFailed)
  })

  it('wrong_nonce: a nonce the client never sent, everything else valid', async () => {
    const { idToken, nonce } = await idTokenWith('wrong_nonce')

    const { payload } = await jwtVerify(idToken, jwks(), { issuer: idp.issuer, audience: CLIENT.clientId })
    expect(typeof payload.nonce).toBe('string')
    expect(payload.nonce).not.toBe(nonce)
    expect(payload).toMatchObject({ sub: IDP_USERS.ada.claims.sub, email: IDP_USERS.ada.claims.email })
  })

  it('alg_none: an unsecured token with the real claims and an empty signature', async () => {
    const { idToken, nonce } = await idTokenWith('alg_none')

    const parts = idToken.split('.')
    expect(parts).toHaveLength(3)
    expect(parts[2]).toBe('')
    expect(decodeProtectedHeader(idToken)).toEqual({ alg: 'none', typ: 'JWT' })
    const claims = decodeJwt(idToken)
    expect(claims).toMatchObject({ iss: idp.issuer, aud: CLIENT.clientId, sub: IDP_USERS.ada.claims.sub, nonce })
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000)
    await expect(jwtVerify(idToken, jwks())).rejects.toBeInstanceOf(joseErrors.JOSEError)
  })

  it("expired: exp and iat in the past, signed with the IdP's own key", async () => {
    const { idToken, nonce } = await idTokenWith('expired')

    const now = Math.floor(Date.now() / 1000)
    const claims = decodeJwt(idToken)
    expect(claims.exp).toBeLessThanOrEqual(now - EXPIRED_SECONDS_AGO + 5)
    expect(claims.exp).toBeGreaterThan(now - EXPIRED_SECONDS_AGO - 60)
    expect(claims.iat).toBeLessThan(claims.exp ?? 0)
    await expect(jwtVerify(idToken, jwks(), { issuer: idp.issuer, audience: CLIENT.clientId })).rejects.toBeInstanceOf(
      joseErrors.JWTExpired,
    )
    // Seen from before it expired, the same token is valid: the expiry is its only defect.
    const { payload } = await jwtVerify(idToken, jwks(), {
      issuer: idp.issuer,
      audience: CLIENT.clientId,
      currentDate: new Date(((claims.exp ?? 0) - 60) * 1000),
    })
    expect(payload).toMatchObject({ sub: IDP_USERS.ada.claims.sub, nonce })
  })

  it('none after a fault: a normal id_token again', async () => {
    await idTokenWith('expired')
    const { idToken, nonce } = await idTokenWith('none')

    const { payload, protectedHeader } = await jwtVerify(idToken, jwks(), { issuer: idp.issuer, audience: CLIENT.clientId })
    expect(protectedHeader.alg).toBe('RS256')
    expect(payload).toMatchObject({ ...IDP_USERS.ada.claims, nonce })
    expect(payload.exp).toBeGreaterThan(Date.now() / 1000)
  })

  it('down refuses connections to the issuer and up restores them', async () => {
    const discovery = new URL('/.well-known/openid-configuration', idp.issuer)
    expect((await fetch(discovery)).status).toBe(200)

    await control('/_idp/down')
    const refused = await fetch(discovery).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toBeInstanceOf(TypeError)
    expect((refused as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED')
    expect(await (await fetch(`${idp.controlUrl}/_idp/health`)).json()).toEqual({ ok: true, up: false })

    await control('/_idp/up')
    expect((await fetch(discovery)).status).toBe(200)
    expect(await (await fetch(`${idp.controlUrl}/_idp/health`)).json()).toEqual({ ok: true, up: true })
  })

  it('rotate-key: id_tokens carry a new kid, which the JWKS publishes before the original; reset restores the original', async () => {
    const original = (await idTokenWith('none')).idToken
    const rotated = (await (await control('/_idp/rotate-key')).json()) as { kid: string; previousKid: string }
    expect(rotated.previousKid).toBe(decodeProtectedHeader(original).kid)
    expect(rotated.kid).not.toBe(rotated.previousKid)

    const { idToken, nonce } = await idTokenWith('none')
    expect(decodeProtectedHeader(idToken)).toMatchObject({ alg: 'RS256', kid: rotated.kid })
    const { payload } = await jwtVerify(idToken, jwks(), { issuer: idp.issuer, audience: CLIENT.clientId })
    expect(payload).toMatchObject({ ...IDP_USERS.ada.claims, nonce })
    const jwksResponse = await fetch(new URL('/jwks', idp.issuer))
    // The same headers as oidc-provider's own JWKS: a client's cache treats both alike.
    expect(jwksResponse.headers.get('content-type')).toBe('application/jwk-set+json; charset=utf-8')
    expect(jwksResponse.headers.get('cache-control')).toBeNull()
    const published = (await jwksResponse.json()) as { keys: Array<{ kid: string; d?: string }> }
    expect(published.keys.map((key) => key.kid)).toEqual([rotated.kid, rotated.previousKid])
    expect(published.keys.some((key) => 'd' in key)).toBe(false)
    // A fault after a rotation is forged with the new key.
    expect(decodeProtectedHeader((await idTokenWith('wrong_nonce')).idToken).kid).toBe(rotated.kid)

    await control('/_idp/reset')
    const restored = (await idTokenWith('none')).idToken
    expect(decodeProtectedHeader(restored).kid).toBe(rotated.previousKid)
    const keys = (await (await fetch(new URL('/jwks', idp.issuer))).json()) as { keys: Array<{ kid: string }> }
    expect(keys.keys.map((key) => key.kid)).toEqual([rotated.previousKid])
    await jwtVerify(restored, jwks(), { issuer: idp.issuer, audience: CLIENT.clientId })
  })

  it('rejects an unknown fault', async () => {
    const response = await fetch(`${idp.controlUrl}/_idp/faults`, { method: 'POST', body: JSON.stringify({ idToken: 'wrong_subject' }) })
    expect(response.status).toBe(400)
  })
})

describe('request counts', () => {
  const requests = async () =>
    ((await (await fetch(`${idp.controlUrl}/_idp/requests`)).json()) as { requests: Record<string, number> }).requests

  it('counts what the issuer serves by method and path, ids in paths as :uid; reset clears them', async () => {
    expect(await requests()).toEqual({})
    const discovery = new URL('/.well-known/openid-configuration', idp.issuer)
    await fetch(discovery)
    await fetch(`${discovery.href}?again=1`)
    await fetch(new URL('/jwks', idp.issuer))
    const request = await createAuthorizationRequest()
    await exchangeCode(await signIn(request, IDP_USERS.ada, 'allow'), request.codeVerifier)

    const counts = await requests()
    expect(counts).toMatchObject({
      'GET /.well-known/openid-configuration': 2,
      'GET /jwks': 1,
      'GET /auth': 1,
      'POST /interaction/:uid/login': 1,
      'POST /interaction/:uid/consent': 1,
      'POST /token': 1,
    })
    expect(counts['GET /auth/:uid']).toBeGreaterThanOrEqual(1)
    expect(Object.keys(counts).every((key) => /^(GET|POST) \/[\w./:-]*$/.test(key))).toBe(true)
    // The control port's own requests are not counted.
    expect(Object.keys(counts).some((key) => key.includes('_idp'))).toBe(false)

    await control('/_idp/requests/reset')
    expect(await requests()).toEqual({})
    await fetch(discovery)
    await control('/_idp/reset')
    expect(await requests()).toEqual({})
  })
})
