import 'server-only'
import { cookies } from 'next/headers'
import { sealData, unsealData } from 'iron-session'
import { getEnv } from '../env'

// A browser leaving for an upstream IdP from the admin sign-in page carries a sealed note that it
// did, so a failure there (a denial, a bad token) comes back to the admin area's own page rather
// than to a login request's. It decides only which page explains a failure: who is an
// administrator is still checked on every admin page (lib/admin/access.ts).

export interface AdminSignIn {
  source: string
  /** When the person left. */
  at: number
}

/** As long as Auth.js keeps its PKCE, state and nonce cookies: a later return fails anyway. */
const TTL_SECONDS = 15 * 60

function cookieName(secure: boolean): string {
  return secure ? '__Host-byoa_admin_sign_in' : 'byoa_admin_sign_in'
}

export async function beginAdminSignIn(source: string, now = Date.now()): Promise<void> {
  const env = getEnv()
  const seal = await sealData({ source, at: now } satisfies AdminSignIn, { password: env.SESSION_SECRET, ttl: TTL_SECONDS })
  ;(await cookies()).set(cookieName(env.secure), seal, {
    httpOnly: true,
    sameSite: 'lax',
    secure: env.secure,
    path: '/',
    maxAge: TTL_SECONDS,
  })
}

/** The admin sign-in this browser left with; a missing, tampered or expired seal reads as none. */
export async function readAdminSignIn(): Promise<AdminSignIn | null> {
  const env = getEnv()
  const seal = (await cookies()).get(cookieName(env.secure))?.value
  if (!seal) return null
  try {
    const data = await unsealData<Partial<AdminSignIn>>(seal, { password: env.SESSION_SECRET, ttl: TTL_SECONDS })
    if (typeof data.source !== 'string' || typeof data.at !== 'number') return null
    return { source: data.source, at: data.at }
  } catch {
    return null
  }
}

export async function endAdminSignIn(): Promise<void> {
  const env = getEnv()
  ;(await cookies()).delete({ name: cookieName(env.secure), path: '/', secure: env.secure, httpOnly: true, sameSite: 'lax' })
}
