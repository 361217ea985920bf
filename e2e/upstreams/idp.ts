import { randomBytes } from 'node:crypto'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose'
import Provider, { errors, type AccountClaims, type Interaction, type InteractionResults, type MiddlewareContext } from 'oidc-provider'
import { createSecretRecorder, type SecretRecorder } from '../support/issued-secrets'
import {
  closeHttpServer,
  escapeHtml,
  isPlainObject,
  readFormBody,
  readJsonObject,
  safeEqual,
  sendHtml,
  sendJson,
} from '../stand-in/http-helpers'
import { listenOnLoopback } from './server-support'

export interface TestIdpClient {
  clientId: string
  clientSecret: string
  redirectUris: string[]
  /** Auth.js sends client_secret_basic unless told otherwise. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post'
}

export interface TestIdpOptions {
  /** 0 picks a free port. */
  port: number
  /** The fault switches' port; 0 picks a free port. */
  controlPort: number
  /** Defaults to `http://localhost:{bound port}`; must name the same port when given. */
  issuer?: string
  clients: TestIdpClient[]
  /**
   * When set, every code and token the IdP issues is appended to this file, so the e2e run can
   * prove none of them reached a log (e2e/tools/scan-logs.ts). Off by default.
   */
  secretsFile?: string
}

export interface TestIdp {
  issuer: string
  /** Serves /_idp/health, /_idp/faults, /_idp/down, /_idp/up, /_idp/requests, /_idp/rotate-key and /_idp/reset. */
  controlUrl: string
  close(): Promise<void>
}

export interface IdpUser {
  username: string
  password: string
  claims: AccountClaims
}

/** What replaces the id_token of successful token responses; each forgery has exactly one defect. */
export type IdTokenFault = 'none' | 'wrong_audience' | 'bad_signature' | 'wrong_issuer' | 'wrong_nonce' | 'alg_none' | 'expired'

export const IDP_USERS = {
  ada: {
    username: 'ada@acme.test',
    password: 'ada-password',
    claims: {
      sub: 'idp-user-ada',
      email: 'ada@acme.test',
      email_verified: true,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      locale: 'en-GB',
      preferred_username: 'ada',
      picture: 'https://images.acme.test/ada.png',
      groups: ['engineering', 'mcp-users'],
      org: { id: 'org_acme', name: 'Acme Corp' },
      department: 'R&D',
    },
  },
  grace: {
    username: 'grace@acme.test',
    password: 'grace-password',
    claims: {
      sub: 'idp-user-grace',
      email: 'grace@acme.test',
      email_verified: false,
      name: 'Grace Hopper',
      given_name: 'Grace',
      family_name: 'Hopper',
      groups: ['research'],
    },
  },
  // No email claim at all: a profile the bridge must refuse.
  nomail: {
    username: 'nomail@acme.test',
    password: 'nomail-password',
    claims: { sub: 'idp-user-nomail', name: 'No Mail' },
  },
} satisfies Record<string, IdpUser>

export const WRONG_AUDIENCE = 'some-other-client'
/** Another https origin: what an id_token from some other IdP would carry. */
export const WRONG_ISSUER = 'https://impostor-idp.example'
/** How long ago an `expired` id_token stopped being valid: far beyond any clock tolerance. */
export const EXPIRED_SECONDS_AGO = 600

const ID_TOKEN_FAULTS: readonly IdTokenFault[] = [
  'none',
  'wrong_audience',
  'bad_signature',
  'wrong_issuer',
  'wrong_nonce',
  'alg_none',
  'expired',
]

const CLAIMS_BY_SCOPE = {
  // With the subject, how and how strongly the person signed in, as an IdP with a second factor says.
  openid: ['sub', 'acr', 'amr'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'locale', 'picture', 'preferred_username'],
  groups: ['groups'],
  org: ['org', 'department'],
}

const INTERACTION_ROUTE = /^\/interaction\/([\w-]+)(?:\/(login|consent))?$/

interface SigningKeys {
  kid: string
  privateJwk: Record<string, unknown>
  publicJwk: Record<string, unknown>
  privateKey: CryptoKey
  /** Signs `bad_signature` tokens: a real key, just not the one the JWKS publishes. */
  impostorKey: CryptoKey
}

interface IdpState {
  provider: Provider
  /** The key id_tokens are signed with: `originalKeys` until /_idp/rotate-key. */
  keys: SigningKeys
  /** The key oidc-provider itself was started with. */
  originalKeys: SigningKeys
  idTokenFault: IdTokenFault
  recordSecret: SecretRecorder
  /** Requests to the IdP (not its control port), by `METHOD /path`, ids in paths shown as `:uid`. */
  requests: Map<string, number>
}

/** Distinct request keys counted at most; any further one counts under `other`. */
const MAX_REQUEST_KEYS = 200

export async function startTestIdp(options: TestIdpOptions): Promise<TestIdp> {
  if (options.issuer) assertIssuerMatchesPort(options.issuer, options.port)
  const host = options.issuer ? new URL(options.issuer).hostname : 'localhost'
  const server = http.createServer()
  const port = await listenOnLoopback(server, options.port, host)
  const issuer = options.issuer ?? `http://localhost:${port}`

  const keys = await createSigningKeys()
  const state: IdpState = {
    provider: createProvider(issuer, options.clients, keys),
    keys,
    originalKeys: keys,
    idTokenFault: 'none',
    recordSecret: createSecretRecorder(options.secretsFile),
    requests: new Map(),
  }
  addTokenResponseHooks(state)
  const providerCallback = state.provider.callback()
  const jwksPath = state.provider.pathFor('jwks')
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? ''
    countRequest(state, req.method ?? 'GET', path)
    // After a rotation the JWKS publishes the new key first and the original one after it, as an
    // IdP does while tokens signed with the old key may still be around. Served as oidc-provider
    // serves its own: no Cache-Control, so a client keeps it as long as it keeps the first one.
    if (req.method === 'GET' && path === jwksPath && state.keys !== state.originalKeys) {
      const jwks = JSON.stringify({ keys: [state.keys.publicJwk, state.originalKeys.publicJwk] })
      res.writeHead(200, { 'content-type': 'application/jwk-set+json; charset=utf-8' }).end(jwks)
      return
    }
    const match = INTERACTION_ROUTE.exec(path)
    if (!match) return providerCallback(req, res)
    handleInteraction(state.provider, req, res, match[1] ?? '', match[2]).catch((error: unknown) => {
      console.error('test IdP interaction failed:', error)
      if (!res.headersSent) sendHtml(res, 500, 'Error', '<h1>Something went wrong</h1>')
      else res.destroy()
    })
  })

  const controlServer = http.createServer((req, res) => {
    handleControl(state, server, { port, host }, req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'control request failed' })
      else res.destroy()
    })
  })
  const controlPort = await listenOnLoopback(controlServer, options.controlPort, host).catch(async (error: unknown) => {
    await closeHttpServer(server)
    throw error
  })

  return {
    issuer,
    controlUrl: `http://${host}:${controlPort}`,
    async close() {
      await Promise.all([closeHttpServer(server), closeHttpServer(controlServer)])
    },
  }
}

function assertIssuerMatchesPort(issuer: string, port: number): void {
  const url = new URL(issuer)
  if (url.pathname !== '/') throw new Error(`the test IdP serves its issuer at the root path only, not ${issuer}`)
  if (Number(url.port) !== port) throw new Error(`issuer ${issuer} must name the port the IdP listens on (${port})`)
}

async function createSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const { privateKey: impostorKey } = await generateKeyPair('RS256')
  const kid = `test-idp-${randomBytes(8).toString('hex')}`
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' }
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
  return { kid, privateJwk, publicJwk, privateKey, impostorKey }
}

/** Counts a request under `METHOD /path`; interaction and resumed authorization ids become `:uid`. */
function countRequest(state: IdpState, method: string, path: string): void {
  const interaction = INTERACTION_ROUTE.exec(path)
  const normalized = interaction
    ? `/interaction/:uid${interaction[2] ? `/${interaction[2]}` : ''}`
    : /^\/auth\/[^/]+$/.test(path)
      ? '/auth/:uid'
      : path
  let key = `${method} ${normalized}`
  if (!state.requests.has(key) && state.requests.size >= MAX_REQUEST_KEYS) key = 'other'
  state.requests.set(key, (state.requests.get(key) ?? 0) + 1)
}

function createProvider(issuer: string, clients: TestIdpClient[], keys: SigningKeys): Provider {
  const provider = new Provider(issuer, {
    clients: clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      // http://localhost redirect URIs are valid for 'web' clients as long as implicit is off.
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_basic',
    })),
    jwks: { keys: [keys.privateJwk] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // The default SameSite=None for the session cookie needs Secure, which browsers refuse
      // over http; every request that needs it is a top-level navigation, so Lax is enough.
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    // Only the authorization code flow: nothing else should reach a client of this IdP.
    responseTypes: ['code'],
    claims: CLAIMS_BY_SCOPE,
    scopes: Object.keys(CLAIMS_BY_SCOPE),
    // The bridge reads the profile from the id_token, not from the userinfo endpoint.
    conformIdTokenClaims: false,
    pkce: { required: () => true, methods: ['S256'] },
    features: { devInteractions: { enabled: false } },
    // Explicit lifetimes; the defaults work too but log a NOTICE each time one is used.
    ttl: { AuthorizationCode: 60, Interaction: 3600, Session: 86400, Grant: 86400, AccessToken: 3600, IdToken: 3600 },
    async findAccount(_ctx, sub) {
      const user = Object.values(IDP_USERS).find((candidate) => candidate.claims.sub === sub)
      if (!user) return undefined
      return { accountId: sub, claims: () => ({ ...user.claims }) }
    },
  })
  provider.on('server_error', (_ctx, error) => console.error('test IdP server error:', error))
  return provider
}

/** oidc-provider's middleware context is Koa's, whose response headers the local typings leave out. */
type KoaResponseContext = MiddlewareContext & { response: { get(field: string): string } }

const ISSUED_TOKEN_KINDS = [
  ['id_token', 'id_token'],
  ['access_token', 'idp_access_token'],
  ['refresh_token', 'idp_refresh_token'],
] as const

const SENT_PARAMETER_KINDS = [
  ['state', 'idp_state'],
  ['nonce', 'idp_nonce'],
  ['code_verifier', 'pkce_code_verifier'],
] as const

/**
 * Replaces the id_token of successful token responses while a fault is switched on, and notes
 * for the e2e log scan every code and token the IdP hands out, and the state, nonce and PKCE
 * verifier the bridge sends it.
 */
function addTokenResponseHooks(state: IdpState): void {
  const tokenPath = state.provider.pathFor('token')
  state.provider.use(async (ctx, next) => {
    await next()
    // The code leaves in the redirect to the client; codes that are never exchanged count too.
    const location = ctx.status >= 300 && ctx.status < 400 ? (ctx as KoaResponseContext).response.get('location') : ''
    const code = URL.canParse(location) ? new URL(location).searchParams.get('code') : null
    if (code) state.recordSecret('idp_code', code)
    // What the bridge (Auth.js) sends: the state and nonce of its authorization request and the
    // PKCE verifier of its token request. Only the bridge and the IdP ever see them.
    const params = (ctx as { oidc?: { params?: Record<string, unknown> } }).oidc?.params
    for (const [field, kind] of SENT_PARAMETER_KINDS) {
      const value = params?.[field]
      if (typeof value === 'string') state.recordSecret(kind, value)
    }

    if (ctx.method !== 'POST' || ctx.path !== tokenPath || ctx.status !== 200 || !isPlainObject(ctx.body)) return
    let body = ctx.body
    const fault = state.idTokenFault
    // After a key rotation every id_token is signed again with the new key, its claims unchanged.
    if ((fault !== 'none' || state.keys !== state.originalKeys) && typeof body.id_token === 'string') {
      body = { ...body, id_token: await forgeIdToken(body.id_token, fault, state.keys) }
      ctx.body = body
    }
    for (const [field, kind] of ISSUED_TOKEN_KINDS) {
      const value = body[field]
      if (typeof value === 'string') state.recordSecret(kind, value)
    }
  })
}

/**
 * The id_token with exactly one defect: every other claim, and the signature where it should be
 * valid, stays right. With no fault, the same token signed with the current key.
 */
async function forgeIdToken(idToken: string, fault: IdTokenFault, keys: SigningKeys): Promise<string> {
  const claims = decodeJwt(idToken)
  const header = { alg: 'RS256', kid: keys.kid }
  const signed = (payload: typeof claims, key = keys.privateKey) => new SignJWT(payload).setProtectedHeader(header).sign(key)
  switch (fault) {
    case 'none':
      return signed(claims)
    case 'wrong_audience':
      return signed({ ...claims, aud: WRONG_AUDIENCE })
    case 'bad_signature':
      return signed(claims, keys.impostorKey)
    case 'wrong_issuer':
      return signed({ ...claims, iss: WRONG_ISSUER })
    case 'wrong_nonce':
      return signed({ ...claims, nonce: `forged-${randomBytes(16).toString('base64url')}` })
    case 'expired': {
      const exp = Math.floor(Date.now() / 1000) - EXPIRED_SECONDS_AGO
      const lifetime = typeof claims.exp === 'number' && typeof claims.iat === 'number' ? claims.exp - claims.iat : 3600
      return signed({ ...claims, iat: exp - lifetime, exp })
    }
    case 'alg_none': {
      // An unsecured JWT (RFC 7519 section 6): the IdP's own payload, byte for byte, and no signature.
      const unsecured = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
      return `${unsecured}.${idToken.split('.')[1] ?? ''}.`
    }
  }
}

async function handleInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  action: string | undefined,
): Promise<void> {
  let interaction: Interaction
  try {
    interaction = await provider.interactionDetails(req, res)
  } catch (error) {
    if (!(error instanceof errors.SessionNotFound)) throw error
    return sendHtml(res, 400, 'Sign-in expired', '<h1>This sign-in has expired</h1><p>Start again from the application.</p>')
  }
  const prompt = interaction.prompt.name
  if (interaction.uid !== uid || (action !== undefined && action !== prompt)) {
    return sendHtml(res, 400, 'Sign-in expired', '<h1>This sign-in step is no longer current</h1>')
  }

  if (req.method === 'GET' && prompt === 'login') return renderLoginPage(res, uid)
  if (req.method === 'GET' && prompt === 'consent') return renderConsentPage(res, interaction)
  if (req.method !== 'POST' || action === undefined) return sendHtml(res, 405, 'Not allowed', '<h1>Method not allowed</h1>')

  // oidc-provider parses no bodies outside its own routes, so the forms are read here.
  const form = await readFormBody(req)
  if (action === 'login') {
    const user = findUserByCredentials(form.get('username') ?? '', form.get('password') ?? '')
    if (!user) return renderLoginPage(res, uid, { error: 'Wrong username or password', username: form.get('username') ?? '' })
    // As an IdP with a second factor would: the ID token says how (amr) and how strongly (acr).
    const login = { accountId: user.claims.sub, amr: ['pwd', 'otp'], acr: 'urn:acme:loa:2' }
    return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false })
  }
  const result: InteractionResults =
    form.get('decision') === 'allow'
      ? await grantConsent(provider, interaction)
      : { error: 'access_denied', error_description: 'End-User aborted interaction' }
  return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true })
}

function findUserByCredentials(username: string, password: string): IdpUser | undefined {
  const user = Object.values(IDP_USERS).find((candidate) => candidate.username === username.trim().toLowerCase())
  return user && safeEqual(password, user.password) ? user : undefined
}

/** Grants what the consent prompt found missing, as oidc-provider's own example does. */
async function grantConsent(provider: Provider, interaction: Interaction): Promise<InteractionResults> {
  const accountId = interaction.session?.accountId
  const clientId = interaction.params.client_id
  if (!accountId || typeof clientId !== 'string') throw new Error('consent without a signed-in account or client')

  const grant = interaction.grantId ? await provider.Grant.find(interaction.grantId) : new provider.Grant({ accountId, clientId })
  if (!grant) throw new Error(`grant ${interaction.grantId} not found`)
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = interaction.prompt.details
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '))
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims)
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '))
  }
  const grantId = await grant.save()
  return { consent: interaction.grantId ? {} : { grantId } }
}

function renderLoginPage(res: ServerResponse, uid: string, failure?: { error: string; username: string }): void {
  sendHtml(
    res,
    failure ? 401 : 200,
    'Acme IdP sign-in',
    `<main>
      <h1>Acme IdP sign-in</h1>
      <p role="alert" aria-live="polite">${failure ? escapeHtml(failure.error) : ''}</p>
      <form method="post" action="/interaction/${escapeHtml(uid)}/login">
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" value="${escapeHtml(failure?.username ?? '')}" required>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button>
      </form>
    </main>`,
  )
}

function renderConsentPage(res: ServerResponse, interaction: Interaction): void {
  const clientId = String(interaction.params.client_id ?? '')
  const scopes = String(interaction.params.scope ?? '')
    .split(' ')
    .filter(Boolean)
  sendHtml(
    res,
    200,
    'Allow access?',
    `<main>
      <h1>Allow access?</h1>
      <p><strong>${escapeHtml(clientId)}</strong> wants to use your Acme account.</p>
      <ul>${scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('')}</ul>
      <form method="post" action="/interaction/${escapeHtml(interaction.uid)}/consent">
        <button type="submit" name="decision" value="allow">Allow</button>
        <button type="submit" name="decision" value="deny">Deny</button>
      </form>
    </main>`,
  )
}

/** Test control API (no auth: it only listens on loopback). */
async function handleControl(
  state: IdpState,
  server: http.Server,
  address: { port: number; host: string },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const route = `${req.method} ${new URL(req.url ?? '/', 'http://control').pathname}`
  const bringUp = async () => {
    if (!server.listening) await listenOnLoopback(server, address.port, address.host)
  }

  switch (route) {
    case 'GET /_idp/health':
      return sendJson(res, 200, { ok: true, up: server.listening })
    case 'POST /_idp/faults': {
      const body = await readJsonObject(req)
      const fault = ID_TOKEN_FAULTS.find((known) => known === body?.idToken)
      if (!fault) return sendJson(res, 400, { error: `idToken must be one of ${ID_TOKEN_FAULTS.join(', ')}` })
      state.idTokenFault = fault
      return sendJson(res, 200, { ok: true, faults: { idToken: fault } })
    }
    case 'POST /_idp/down':
      // Open keep-alive connections are destroyed too, so the next request is refused outright.
      await closeHttpServer(server)
      return sendJson(res, 200, { ok: true, up: false })
    case 'POST /_idp/up':
      await bringUp()
      return sendJson(res, 200, { ok: true, up: true })
    case 'GET /_idp/requests':
      return sendJson(res, 200, { requests: Object.fromEntries(state.requests) })
    case 'POST /_idp/requests/reset':
      state.requests.clear()
      return sendJson(res, 200, { ok: true, requests: {} })
    case 'POST /_idp/rotate-key': {
      // id_tokens are signed with a new key (a new kid) from now on; the JWKS publishes it too.
      state.keys = await createSigningKeys()
      return sendJson(res, 200, { ok: true, kid: state.keys.kid, previousKid: state.originalKeys.kid })
    }
    case 'POST /_idp/reset':
      state.idTokenFault = 'none'
      state.keys = state.originalKeys
      state.requests.clear()
      await bringUp()
      return sendJson(res, 200, { ok: true, up: true, faults: { idToken: 'none' } })
    default:
      return sendJson(res, 404, { error: 'not found' })
  }
}
