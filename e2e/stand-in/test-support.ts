import { createHash, randomBytes } from 'node:crypto'
import net from 'node:net'
import { Scalekit } from '@scalekit-sdk/node'
import type { ScalekitStandIn } from './scalekit'
import { expectedPartnerCallback } from './partner-callback'

export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

export function createSdk(standIn: ScalekitStandIn, clientSecret = standIn.config.clientSecret): Scalekit {
  return new Scalekit(standIn.url, standIn.config.clientId, clientSecret)
}

/** Plays the bridge's part: read L and S from the login URL, send the user with the SDK, return partner:callback. */
export async function actAsBridge(
  standIn: ScalekitStandIn,
  loginUrl: string,
  user: { sub?: string; email?: string; name?: string; loginFailed?: boolean },
): Promise<string> {
  const params = new URL(loginUrl).searchParams
  const loginRequestId = params.get('login_request_id') ?? ''
  const state = params.get('state') ?? ''
  await createSdk(standIn).auth.updateLoginUserDetails(standIn.config.connectionId, loginRequestId, user)
  return expectedPartnerCallback(standIn.url, standIn.config.connectionId, state)
}

export async function followOneRedirect(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, redirect: 'manual' })
}

export function locationOf(response: Response): string {
  const location = response.headers.get('location')
  if (!location) throw new Error(`expected a redirect, got ${response.status}`)
  return location
}
