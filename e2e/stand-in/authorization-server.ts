import type { IncomingMessage, ServerResponse } from 'node:http'
import { escapeHtml, isLoopbackHost, randomBase62, randomToken, readJsonObject, redirect, sendHtml, sendJson } from './http-helpers'
import { buildBridgeLoginUrl, type RegisteredClient, type StandInContext } from './stand-in-store'

const CORS = { 'access-control-allow-origin': '*' }
const AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic'] as const
const CODE_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/

/** RFC 8414 metadata, as Scalekit publishes it per MCP server resource. */
function buildAuthorizationServerMetadata(context: StandInContext): Record<string, unknown> {
  const { baseUrl, issuer, resourceId } = context.config
  return {
    issuer,
    authorization_endpoint: `${baseUrl}/oauth/authorize`,
    token_endpoint: `${baseUrl}/oauth/token`,
    registration_endpoint: `${baseUrl}/resources/${resourceId}/register`,
    jwks_uri: `${baseUrl}/keys`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: [...AUTH_METHODS],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    client_id_metadata_document_supported: false,
  }
}

export function handleMetadata(context: StandInContext, res: ServerResponse): void {
  sendJson(res, 200, buildAuthorizationServerMetadata(context), CORS)
}

/** RFC 7591 dynamic client registration. */
export async function handleClientRegistration(context: StandInContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req)
  if (!body) return sendRegistrationError(res, 'invalid_client_metadata', 'body must be a JSON object')
  const redirectUris = body.redirect_uris
  if (!Array.isArray(redirectUris) || redirectUris.length === 0) {
    return sendRegistrationError(res, 'invalid_redirect_uri', 'redirect_uris is required')
  }
  for (const uri of redirectUris) {
    const problem = describeRedirectUriProblem(uri)
    if (problem) return sendRegistrationError(res, 'invalid_redirect_uri', problem)
  }
  const method = body.token_endpoint_auth_method ?? 'client_secret_basic'
  if (!AUTH_METHODS.includes(method as (typeof AUTH_METHODS)[number])) {
    return sendRegistrationError(res, 'invalid_client_metadata', 'unsupported token_endpoint_auth_method')
  }
  const client: RegisteredClient = {
    clientId: `mcp_${randomBase62(24)}`,
    clientSecret: method === 'none' ? undefined : randomToken(32),
    redirectUris: redirectUris as string[],
    tokenEndpointAuthMethod: method as RegisteredClient['tokenEndpointAuthMethod'],
    clientName: typeof body.client_name === 'string' ? body.client_name : undefined,
    scope: typeof body.scope === 'string' ? body.scope : undefined,
    createdAt: Date.now(),
  }
  if (client.clientSecret) context.store.recordSecret('mcp_client_secret', client.clientSecret)
  context.store.clients.set(client.clientId, client)
  sendJson(
    res,
    201,
    {
      client_id: client.clientId,
      client_id_issued_at: Math.floor(client.createdAt / 1000),
      ...(client.clientSecret ? { client_secret: client.clientSecret, client_secret_expires_at: 0 } : {}),
      redirect_uris: client.redirectUris,
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...(client.clientName ? { client_name: client.clientName } : {}),
      ...(client.scope ? { scope: client.scope } : {}),
    },
    CORS,
  )
}

/**
 * GET /oauth/authorize. In BYOA mode the real service does not sign the person in itself: it
 * creates a login request and sends the browser to the company's login endpoint (the bridge).
 */
export function handleAuthorize(context: StandInContext, url: URL, res: ServerResponse): void {
  const params = url.searchParams
  const client = context.store.clients.get(params.get('client_id') ?? '')
  if (!client) return sendAuthorizeErrorPage(res, 'unknown client_id')
  const redirectUri = params.get('redirect_uri') ?? ''
  // Until redirect_uri matches a registered one exactly, it must not be trusted with a redirect.
  if (!client.redirectUris.includes(redirectUri)) return sendAuthorizeErrorPage(res, 'redirect_uri is not registered for this client')

  const clientState = params.get('state')
  const refuse = (error: string, description: string) =>
    redirect(res, buildClientRedirect(redirectUri, { error, error_description: description, state: clientState }))

  if (params.get('response_type') !== 'code') return refuse('unsupported_response_type', 'response_type must be code')
  const codeChallenge = params.get('code_challenge')
  if (!codeChallenge) return refuse('invalid_request', 'code_challenge is required (PKCE)')
  if (params.get('code_challenge_method') !== 'S256') return refuse('invalid_request', 'code_challenge_method must be S256')
  if (!CODE_CHALLENGE.test(codeChallenge)) return refuse('invalid_request', 'code_challenge is malformed')
  if (!clientState) return refuse('invalid_request', 'state is required')
  const resource = params.get('resource') ?? undefined
  if (resource !== undefined && resource !== context.config.resourceUrl) {
    return refuse('invalid_target', 'resource is not registered with this authorization server')
  }

  const loginRequest = context.store.createLoginRequest(context.config.connectionId, context.config.loginRequestTtlSeconds, {
    clientId: client.clientId,
    redirectUri,
    codeChallenge,
    clientState,
    scope: params.get('scope') ?? '',
    resource,
  })
  redirect(res, buildBridgeLoginUrl(context.store.bridgeLoginUrlOverride ?? context.config.bridgeLoginUrl, loginRequest))
}

/** Appends OAuth response parameters to a registered redirect_uri, keeping its own query. */
export function buildClientRedirect(redirectUri: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(redirectUri)
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) url.searchParams.set(key, value)
  }
  return url.toString()
}

function describeRedirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return 'redirect_uris must be strings'
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return `redirect_uri is not a URL: ${uri}`
  }
  if (url.hash) return 'redirect_uri must not have a fragment'
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined
  return 'redirect_uri must use https (plain http only for loopback hosts)'
}

function sendRegistrationError(res: ServerResponse, error: string, description: string): void {
  sendJson(res, 400, { error, error_description: description }, CORS)
}

function sendAuthorizeErrorPage(res: ServerResponse, message: string): void {
  sendHtml(res, 400, 'Authorization error', `<h1>Authorization error</h1><p data-testid="authorize-error">${escapeHtml(message)}</p>`)
}
