import 'server-only'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose'
import type { SourceOfType } from './config'

// Auth.js (through oauth4webapi) checks an ID token's issuer, audience, expiry and nonce, but not
// its signature: the token came over TLS from the token endpoint, which the spec allows to count
// as proof. A bridge that vouches for people to another authorization server checks the signature
// too, against the IdP's published keys.

interface IssuerKeys {
  issuer: string
  keys: JWTVerifyGetKey
}

const keysBySource = new Map<string, Promise<IssuerKeys>>()

function discoveryUrl(issuer: string): string {
  const url = new URL(issuer)
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname
  return `${url.origin}${path}/.well-known/openid-configuration`
}

async function discoverKeys(source: SourceOfType<'oidc'>): Promise<IssuerKeys> {
  const response = await fetch(discoveryUrl(source.issuer), { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) })
  if (!response.ok) throw new Error(`discovery answered HTTP ${response.status}`)
  const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown }
  if (typeof metadata.issuer !== 'string' || typeof metadata.jwks_uri !== 'string') throw new Error('discovery has no issuer or jwks_uri')
  return { issuer: metadata.issuer, keys: createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: 5000 }) }
}

function keysFor(source: SourceOfType<'oidc'>): Promise<IssuerKeys> {
  let keys = keysBySource.get(source.id)
  if (!keys) {
    keys = discoverKeys(source)
    // A failed discovery is not remembered, so the next sign-in tries again.
    keys.catch(() => keysBySource.delete(source.id))
    keysBySource.set(source.id, keys)
  }
  return keys
}

/** Throws unless the ID token is signed by the IdP's key (or, for HS*, its client secret) and meant for us. */
export async function verifyIdToken(source: SourceOfType<'oidc'>, idToken: string): Promise<void> {
  const { alg } = decodeProtectedHeader(idToken)
  const { issuer, keys } = await keysFor(source)
  const options = { issuer, audience: source.clientId }
  if (typeof alg === 'string' && alg.startsWith('HS')) {
    await jwtVerify(idToken, new TextEncoder().encode(source.clientSecret), { ...options, algorithms: [alg] })
    return
  }
  if (alg === 'none') throw new Error('unsigned ID token')
  await jwtVerify(idToken, keys, options)
}
