import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { resolveMapping } from './claims'
import type { SourceOfType } from './config'
import { discoveryUrl, sourceFetch, verifyIdToken } from './oidc'

// An ID token's signature check and Auth.js's fetch against a small IdP of the case's own, which
// counts what it is asked. Each case has its own IdP (its own port, so its own cache entries).

const CLIENT_ID = 'bridge-client'

interface SigningKey {
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } }
}

interface TestIssuer {
  url: string
  source: SourceOfType<'oidc'>
  /** The keys the JWKS publishes. */
  published: SigningKey[]
  seen: Record<string, number>
  close(): Promise<void>
}

async function startIssuer(): Promise<TestIssuer> {
  const issuer = { published: [await signingKey('key-1')], seen: {} as Record<string, number> } as TestIssuer
  const server = http.createServer((req, res) => {
    const route = `${req.method} ${req.url}`
    issuer.seen[route] = (issuer.seen[route] ?? 0) + 1
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (route === 'GET /.well-known/openid-configuration') return json(200, { issuer: issuer.url, jwks_uri: `${issuer.url}/jwks` })
    if (route === 'GET /jwks') return json(200, { keys: issuer.published.map((key) => key.publicJwk) })
    if (route === 'POST /token') return json(200, { access_token: 'at', token_type: 'Bearer' })
    return json(404, { error: 'not_found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  issuer.source = {
    id: 'acme',
    type: 'oidc',
    name: 'Acme',
    issuer: issuer.url,
    clientId: CLIENT_ID,
    clientSecret: 'client-secret',
    scopes: ['openid'],
    claims: resolveMapping(undefined),
  }
  issuer.close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return issuer
}

function idToken(issuer: TestIssuer, key: SigningKey, overrides: { kid?: string } = {}): Promise<string> {
  return new SignJWT({ sub: 'user-1', nonce: 'n' })
    .setProtectedHeader({ alg: 'RS256', kid: overrides.kid ?? key.kid })
    .setIssuer(issuer.url)
    .setAudience(CLIENT_ID)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey)
}

const DISCOVERY = 'GET /.well-known/openid-configuration'
const JWKS = 'GET /jwks'

let idp: TestIssuer
beforeEach(async () => {
  idp = await startIssuer()
})
afterEach(async () => {
  await idp.close()
})

describe('verifyIdToken', () => {
  it('reads discovery and the keys once for many sign-ins', async () => {
    const [key] = idp.published
    for (let i = 0; i < 10; i++) await verifyIdToken(idp.source, await idToken(idp, key!))
    expect(idp.seen).toEqual({ [DISCOVERY]: 1, [JWKS]: 1 })
  })

  it('after a key rotation, reads the keys once more and accepts the new key', async () => {
    const [oldKey] = idp.published
    await verifyIdToken(idp.source, await idToken(idp, oldKey!))
    const newKey = await signingKey('key-2')
    idp.published = [newKey, oldKey!]
    for (let i = 0; i < 3; i++) await verifyIdToken(idp.source, await idToken(idp, newKey))
    await verifyIdToken(idp.source, await idToken(idp, oldKey!))
    expect(idp.seen).toEqual({ [DISCOVERY]: 1, [JWKS]: 2 })
  })

  it('a kid the IdP does not publish: refused after one fresh read, and not read again right after', async () => {
    const [key] = idp.published
    await verifyIdToken(idp.source, await idToken(idp, key!))
    const stranger = await signingKey('key-unknown')
    await expect(verifyIdToken(idp.source, await idToken(idp, stranger))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' })
    expect(idp.seen[JWKS]).toBe(2)
    // Within the cooldown the kept keys answer: a run of such tokens cannot make the bridge hammer the IdP.
    await expect(verifyIdToken(idp.source, await idToken(idp, stranger))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' })
    expect(idp.seen[JWKS]).toBe(2)
  })

  it('a wrong signature under a known kid is refused without reading the keys again', async () => {
    const [key] = idp.published
    const impostor = await signingKey(key!.kid)
    await verifyIdToken(idp.source, await idToken(idp, key!))
    await expect(verifyIdToken(idp.source, await idToken(idp, impostor))).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    })
    expect(idp.seen[JWKS]).toBe(1)
  })
})

describe("Auth.js's fetch for an oidc source", () => {
  // What oauth4webapi sends: the URL as a string and its own init.
  const discoveryCall = (source: SourceOfType<'oidc'>) =>
    sourceFetch(source)(discoveryUrl(source.issuer), {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'manual',
    })

  it('reads discovery from the cache, shared with the signature check', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await discoveryCall(idp.source)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ issuer: idp.url, jwks_uri: `${idp.url}/jwks` })
    }
    await verifyIdToken(idp.source, await idToken(idp, idp.published[0]!))
    expect(idp.seen).toEqual({ [DISCOVERY]: 1, [JWKS]: 1 })
  })

  it('sends every other request as it is: the token request each time, a GET of another URL too', async () => {
    const fetchFor = sourceFetch(idp.source)
    for (let i = 0; i < 2; i++) {
      const response = await fetchFor(`${idp.url}/token`, { method: 'POST', body: 'grant_type=authorization_code' })
      expect(await response.json()).toEqual({ access_token: 'at', token_type: 'Bearer' })
      await fetchFor(new URL(`${idp.url}/jwks`))
      await fetchFor(new Request(discoveryUrl(idp.url), { method: 'POST' }))
    }
    expect(idp.seen).toEqual({ 'POST /token': 2, [JWKS]: 2, 'POST /.well-known/openid-configuration': 2 })
  })

  it('finds the discovery document of an issuer with a path, with or without its trailing slash', () => {
    expect(discoveryUrl('https://idp.example/realms/acme')).toBe('https://idp.example/realms/acme/.well-known/openid-configuration')
    expect(discoveryUrl('https://idp.example/realms/acme/')).toBe('https://idp.example/realms/acme/.well-known/openid-configuration')
    expect(discoveryUrl('https://idp.example')).toBe('https://idp.example/.well-known/openid-configuration')
  })
})
