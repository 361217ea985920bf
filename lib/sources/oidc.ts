import 'server-only'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose'
import type { SourceOfType } from './config'
import { createDocumentCache, type DocumentCache } from './document-cache'

// Auth.js (through oauth4webapi) checks an ID token's issuer, audience, expiry and nonce, but not
// its signature: the token came over TLS from the token endpoint, which the spec allows to count
// as proof. A bridge that vouches for people to another authorization server checks the signature
// too, against the IdP's published keys.
//
// Every login reads the IdP's discovery document three times (Auth.js when it builds the
// authorization URL and again at the callback, then the check here) and its keys once. All of them
// come from one in-process cache (document-cache.ts): Auth.js's reads through the provider's
// `customFetch`, the reads here directly. Auth.js itself never fetches the JWKS.

/** Kept on globalThis: Next.js bundles this module more than once in one server process. */
const CACHE_KEY = Symbol.for('byoa-bridge.oidc-documents')
const shared = globalThis as typeof globalThis & { [CACHE_KEY]?: DocumentCache }

function documents(): DocumentCache {
  return (shared[CACHE_KEY] ??= createDocumentCache())
}

/** Where oauth4webapi reads an issuer's discovery document (OpenID Connect Discovery 1.0, section 4). */
export function discoveryUrl(issuer: string): string {
  const url = new URL(issuer)
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname
  return `${url.origin}${path}/.well-known/openid-configuration`
}

function requestUrl(input: Parameters<typeof fetch>[0]): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
}

/**
 * The fetch Auth.js uses for this source (its `customFetch`): a GET of the issuer's discovery
 * document comes from the cache; everything else (the token request above all) goes out as is.
 */
export function sourceFetch(source: SourceOfType<'oidc'>): typeof fetch {
  const discovery = new URL(discoveryUrl(source.issuer)).href
  return (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    if (method === 'GET' && URL.canParse(requestUrl(input)) && new URL(requestUrl(input)).href === discovery) {
      return documents().get(discovery, { signal: init?.signal ?? (input instanceof Request ? input.signal : undefined) })
    }
    return fetch(input, init)
  }
}

async function issuerMetadata(source: SourceOfType<'oidc'>): Promise<{ issuer: string; jwksUri: string }> {
  const response = await documents().get(discoveryUrl(source.issuer))
  if (response.status !== 200) throw new Error(`discovery answered HTTP ${response.status}`)
  const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown }
  if (typeof metadata.issuer !== 'string' || typeof metadata.jwks_uri !== 'string') throw new Error('discovery has no issuer or jwks_uri')
  return { issuer: metadata.issuer, jwksUri: metadata.jwks_uri }
}

async function publishedKeys(jwksUri: string, refresh: boolean): Promise<ReturnType<typeof createLocalJWKSet>> {
  const response = await documents().get(jwksUri, { refresh })
  if (response.status !== 200) throw new Error(`the JWKS answered HTTP ${response.status}`)
  const jwks = (await response.json()) as JSONWebKeySet
  if (!jwks || !Array.isArray(jwks.keys)) throw new Error('the JWKS has no keys')
  return createLocalJWKSet(jwks)
}

/** Throws unless the ID token is signed by the IdP's key (or, for HS*, its client secret) and meant for us. */
export async function verifyIdToken(source: SourceOfType<'oidc'>, idToken: string): Promise<void> {
  const { alg } = decodeProtectedHeader(idToken)
  const { issuer, jwksUri } = await issuerMetadata(source)
  const options = { issuer, audience: source.clientId }
  if (typeof alg === 'string' && alg.startsWith('HS')) {
    await jwtVerify(idToken, new TextEncoder().encode(source.clientSecret), { ...options, algorithms: [alg] })
    return
  }
  if (alg === 'none') throw new Error('unsigned ID token')
  try {
    await jwtVerify(idToken, await publishedKeys(jwksUri, false), options)
  } catch (error) {
    // No kept key matches the token's kid (and alg): the IdP may have rotated its keys since they
    // were read, so they are read again once, past the cache (at most every 30 s per JWKS).
    if ((error as { code?: unknown }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error
    await jwtVerify(idToken, await publishedKeys(jwksUri, true), options)
  }
}
