import type { IncomingMessage, ServerResponse } from 'node:http'
import type { JsonObject } from '@bufbuild/protobuf'
import { issueApiToken } from './api-tokens'
import { randomBase62, readFormBody, safeEqual, sendJson, sha256 } from './http-helpers'
import type { AuthorizationGrant, RegisteredClient, StandInContext } from './stand-in-store'

const CORS = { 'access-control-allow-origin': '*' }
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/

interface ClientCredentials {
  clientId: string | undefined
  clientSecret: string | undefined
}

/** POST /oauth/token: client_credentials for the bridge; authorization_code and refresh_token for MCP clients. */
export async function handleTokenRequest(context: StandInContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = await readFormBody(req)
  const credentials = readClientCredentials(req, form)
  switch (form.get('grant_type')) {
    case 'client_credentials':
      return grantClientCredentials(context, res, credentials)
    case 'authorization_code':
      return grantAuthorizationCode(context, res, form, credentials)
    case 'refresh_token':
      return grantRefreshToken(context, res, form, credentials)
    default:
      return sendOAuthError(res, 400, 'unsupported_grant_type', 'grant_type is not supported')
  }
}

async function grantClientCredentials(context: StandInContext, res: ServerResponse, credentials: ClientCredentials): Promise<void> {
  const { config, store } = context
  store.stats.tokenFetches += 1
  const valid = safeEqual(credentials.clientId ?? '', config.clientId) && safeEqual(credentials.clientSecret ?? '', config.clientSecret)
  if (!valid) return sendOAuthError(res, 401, 'invalid_client', 'client authentication failed')
  const { accessToken, expiresIn } = await issueApiToken(context)
  store.recordSecret('scalekit_token', accessToken)
  sendJson(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn }, CORS)
}

async function grantAuthorizationCode(
  context: StandInContext,
  res: ServerResponse,
  form: URLSearchParams,
  credentials: ClientCredentials,
): Promise<void> {
  const client = authenticateMcpClient(context, credentials)
  if (!client) return sendOAuthError(res, 401, 'invalid_client', 'client authentication failed')
  const grant = context.store.findAuthorizationCode(form.get('code') ?? '')
  if (!grant || grant.used || Date.now() >= grant.expiresAt || grant.clientId !== client.clientId) {
    return sendOAuthError(res, 400, 'invalid_grant', 'authorization code is invalid, expired or already used')
  }
  // Spent before the remaining checks, so a wrong verifier cannot be retried against the same code.
  grant.used = true
  if (form.get('redirect_uri') !== grant.redirectUri) {
    return sendOAuthError(res, 400, 'invalid_grant', 'redirect_uri does not match the authorization request')
  }
  const verifier = form.get('code_verifier') ?? ''
  if (!CODE_VERIFIER.test(verifier) || !safeEqual(sha256(verifier).toString('base64url'), grant.codeChallenge)) {
    return sendOAuthError(res, 400, 'invalid_grant', 'code_verifier does not match the code_challenge')
  }
  const resource = form.get('resource')
  if (resource !== null && resource !== context.config.resourceUrl) {
    return sendOAuthError(res, 400, 'invalid_target', "resource is not this authorization server's resource")
  }
  await sendUserTokens(context, res, grant)
}

async function grantRefreshToken(
  context: StandInContext,
  res: ServerResponse,
  form: URLSearchParams,
  credentials: ClientCredentials,
): Promise<void> {
  const client = authenticateMcpClient(context, credentials)
  if (!client) return sendOAuthError(res, 401, 'invalid_client', 'client authentication failed')
  const grant = context.store.takeRefreshToken(form.get('refresh_token') ?? '')
  if (!grant || grant.clientId !== client.clientId) {
    return sendOAuthError(res, 400, 'invalid_grant', 'refresh token is invalid')
  }
  await sendUserTokens(context, res, { ...grant, redirectUri: '', codeChallenge: '', expiresAt: 0, used: true })
}

async function sendUserTokens(context: StandInContext, res: ServerResponse, grant: AuthorizationGrant): Promise<void> {
  const { config, keys, store } = context
  const sub = typeof grant.user.sub === 'string' ? grant.user.sub : ''
  const accessToken = await keys.sign(
    { ...userClaims(grant.user), client_id: grant.clientId, ...(grant.scope ? { scope: grant.scope } : {}) },
    {
      issuer: config.issuer,
      audience: config.resourceUrl,
      subject: sub,
      expiresInSeconds: config.accessTokenTtlSeconds,
      jwtId: `at_${randomBase62(24)}`,
    },
  )
  store.recordSecret('mcp_access_token', accessToken)
  // As the real service documents: a refresh token only when offline_access was asked for.
  const refreshToken = grant.scope.split(' ').includes('offline_access') ? store.issueRefreshToken(grant) : undefined
  sendJson(
    res,
    200,
    {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: config.accessTokenTtlSeconds,
      ...(grant.scope ? { scope: grant.scope } : {}),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    },
    CORS,
  )
}

/** Access-token claims from the user details the bridge sent (stored as proto JSON, camelCase). */
function userClaims(user: JsonObject): Record<string, unknown> {
  const text = (key: string) => (typeof user[key] === 'string' && user[key] !== '' ? (user[key] as string) : undefined)
  const list = (key: string) => (Array.isArray(user[key]) ? user[key] : [])
  const givenName = text('givenName')
  const familyName = text('familyName')
  const name = text('name') ?? ([givenName, familyName].filter(Boolean).join(' ') || undefined)
  const claims: Record<string, unknown> = {
    email: text('email'),
    email_verified: user.emailVerified === true,
    name,
    given_name: givenName,
    family_name: familyName,
    preferred_username: text('preferredUsername'),
    groups: list('groups'),
    roles: list('roles'),
  }
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined))
}

function authenticateMcpClient(context: StandInContext, credentials: ClientCredentials): RegisteredClient | undefined {
  const client = credentials.clientId ? context.store.clients.get(credentials.clientId) : undefined
  if (!client) return undefined
  if (client.clientSecret === undefined) return client
  return safeEqual(credentials.clientSecret ?? '', client.clientSecret) ? client : undefined
}

function readClientCredentials(req: IncomingMessage, form: URLSearchParams): ClientCredentials {
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8')
    const separator = decoded.indexOf(':')
    if (separator > 0) {
      return { clientId: decodeFormPart(decoded.slice(0, separator)), clientSecret: decodeFormPart(decoded.slice(separator + 1)) }
    }
  }
  return { clientId: form.get('client_id') ?? undefined, clientSecret: form.get('client_secret') ?? undefined }
}

// RFC 6749 §2.3.1: Basic credentials are form-encoded first.
function decodeFormPart(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}

function sendOAuthError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description }, CORS)
}
