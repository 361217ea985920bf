import { calculateJwkThumbprint, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose'

export interface SigningKeys {
  jwks: { keys: JWK[] }
  sign(
    claims: JWTPayload,
    options: { issuer: string; audience?: string; subject: string; expiresInSeconds: number; jwtId: string },
  ): Promise<string>
  verify(token: string, options: { issuer: string; audience?: string }): Promise<JWTPayload | undefined>
}

/** A fresh RS256 key per start: tokens from an earlier run must not validate. */
export async function createSigningKeys(): Promise<SigningKeys> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(publicJwk)
  const jwk: JWK = { ...publicJwk, kid, alg: 'RS256', use: 'sig' }

  return {
    jwks: { keys: [jwk] },
    async sign(claims, options) {
      let jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(options.issuer)
        .setSubject(options.subject)
        .setIssuedAt()
        .setNotBefore('0s')
        .setJti(options.jwtId)
        .setExpirationTime(`${options.expiresInSeconds}s`)
      if (options.audience) jwt = jwt.setAudience(options.audience)
      return jwt.sign(privateKey)
    },
    async verify(token, options) {
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ['RS256'],
        })
        return payload
      } catch {
        return undefined
      }
    },
  }
}
