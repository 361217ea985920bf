import 'server-only'
import { randomBytes } from 'node:crypto'
import { cookies } from 'next/headers'
import { sealData, unsealData } from 'iron-session'
import { getEnv } from '../env'
import { parseLoginRequestParams, sealTtlFor, type LoginRequestParams } from './request'

// A browser leaving for an upstream IdP carries, in a sealed cookie, which login request it left
// from and a random id that also rides in the return address. Only a same-origin POST from the
// login page writes it, so coming back can complete the login on a plain GET: a cross-site page can
// send a browser to the return address, but cannot make the cookie match.

export interface SourceIntent {
  params: LoginRequestParams
  source: string
  id: string
  /** When the person left; the bridge session must be newer than this. */
  at: number
}

function cookieName(secure: boolean): string {
  return secure ? '__Host-byoa_intent' : 'byoa_intent'
}

/** Both round-trip cookies: host-only, HttpOnly, Lax, Secure on https. */
const roundTripCookie = (secure: boolean) => ({ httpOnly: true, sameSite: 'lax' as const, secure, path: '/' })

export async function beginSourceIntent(params: LoginRequestParams, source: string, now = Date.now()): Promise<SourceIntent> {
  const env = getEnv()
  const intent: SourceIntent = { params, source, id: randomBytes(16).toString('base64url'), at: now }
  // It outlives the login request like the pending cookie does, so a late return is told "expired".
  const ttl = sealTtlFor(env.LOGIN_REQUEST_TTL_SECONDS)
  const seal = await sealData(intent, { password: env.SESSION_SECRET, ttl })
  ;(await cookies()).set(cookieName(env.secure), seal, { ...roundTripCookie(env.secure), maxAge: ttl })
  return intent
}

/** The intent this browser left with; a missing, tampered or expired seal reads as none. */
export async function readSourceIntent(): Promise<SourceIntent | null> {
  const env = getEnv()
  const seal = (await cookies()).get(cookieName(env.secure))?.value
  if (!seal) return null
  try {
    const data = await unsealData<Partial<SourceIntent>>(seal, {
      password: env.SESSION_SECRET,
      ttl: sealTtlFor(env.LOGIN_REQUEST_TTL_SECONDS),
    })
    const params = parseLoginRequestParams(data.params?.loginRequestId, data.params?.state, data.params?.server)
    if (!params.ok || typeof data.source !== 'string' || typeof data.id !== 'string' || typeof data.at !== 'number') return null
    return { params: params.params, source: data.source, id: data.id, at: data.at }
  } catch {
    return null
  }
}

export async function endSourceIntent(): Promise<void> {
  const env = getEnv()
  ;(await cookies()).delete({ name: cookieName(env.secure), ...roundTripCookie(env.secure) })
}

export function resumePath(intent: SourceIntent): string {
  return `/login/resume?${new URLSearchParams({ login_request_id: intent.params.loginRequestId, intent: intent.id })}`
}

// "Use another account" after a sign-in at an IdP: the next sign-in there asks the IdP to sign the
// person in afresh (prompt=login) instead of letting its own session bring back the same account.
// Only the source id is kept, in a plain cookie: a forged one can do no more than make the IdP ask.

function freshCookieName(secure: boolean): string {
  return secure ? '__Host-byoa_fresh' : 'byoa_fresh'
}

export async function askForFreshIdpSignIn(source: string): Promise<void> {
  const env = getEnv()
  ;(await cookies()).set(freshCookieName(env.secure), source, {
    ...roundTripCookie(env.secure),
    maxAge: sealTtlFor(env.LOGIN_REQUEST_TTL_SECONDS),
  })
}

/** Whether the next sign-in at `source` must ask the person to sign in afresh. */
export async function wantsFreshIdpSignIn(source: string): Promise<boolean> {
  return (await cookies()).get(freshCookieName(getEnv().secure))?.value === source
}

export async function endFreshIdpSignIn(): Promise<void> {
  const env = getEnv()
  ;(await cookies()).delete({ name: freshCookieName(env.secure), ...roundTripCookie(env.secure) })
}
