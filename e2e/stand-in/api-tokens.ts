import { randomBase62 } from './http-helpers'
import type { StandInContext } from './stand-in-store'

/** Management API token from the client_credentials grant: a JWT the stand-in also remembers, so it can revoke it. */
export async function issueApiToken(context: StandInContext): Promise<{ accessToken: string; expiresIn: number }> {
  const { config, keys, store } = context
  const jwtId = `tok_${randomBase62(24)}`
  const expiresIn = config.accessTokenTtlSeconds
  const accessToken = await keys.sign(
    { client_id: config.clientId },
    { issuer: config.baseUrl, subject: config.clientId, expiresInSeconds: expiresIn, jwtId },
  )
  store.recordApiToken(jwtId, Date.now() + expiresIn * 1000)
  return { accessToken, expiresIn }
}

export async function isValidApiToken(context: StandInContext, token: string | undefined): Promise<boolean> {
  if (!token) return false
  const payload = await context.keys.verify(token, { issuer: context.config.baseUrl })
  if (!payload || payload.sub !== context.config.clientId || typeof payload.jti !== 'string') return false
  return context.store.isApiTokenActive(payload.jti)
}
