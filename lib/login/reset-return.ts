import 'server-only'
import { cookies } from 'next/headers'
import { sealData, unsealData } from 'iron-session'
import { getEnv } from '../env'
import { bindingOf, findServer } from '../servers'
import { readPending } from './cookie'
import { checkState, parseLoginRequestParams, type LoginRequestParams } from './request'

// A person who forgot their password in the middle of a login returns to it once the password is
// changed: the forgot-password action remembers the login request (only one still pending in this
// browser) in a sealed, HttpOnly cookie that lives as long as a login request, and the reset
// action reads it back and checks it against the browser's pending requests again.

function cookieName(secure: boolean): string {
  return secure ? '__Host-byoa_reset_return' : 'byoa_reset_return'
}

/** Whether this browser arrived with this login request, for this server, and it has not expired. */
export async function isPendingHere(params: LoginRequestParams, now = Date.now()): Promise<boolean> {
  const server = findServer(params.server)
  if (!server) return false
  return checkState(await readPending(), params, now, getEnv().LOGIN_REQUEST_TTL_SECONDS, bindingOf(server)).ok
}

export async function rememberResetReturn(params: LoginRequestParams): Promise<void> {
  const env = getEnv()
  const ttl = env.LOGIN_REQUEST_TTL_SECONDS
  const seal = await sealData(
    { i: params.loginRequestId, s: params.state, k: params.server ?? null },
    { password: env.SESSION_SECRET, ttl },
  )
  const jar = await cookies()
  jar.set(cookieName(env.secure), seal, { httpOnly: true, sameSite: 'lax', secure: env.secure, path: '/', maxAge: ttl })
}

/** The remembered login request, once, if it is still pending in this browser; the cookie is cleared. */
export async function takeResetReturn(now = Date.now()): Promise<LoginRequestParams | null> {
  const env = getEnv()
  const jar = await cookies()
  const name = cookieName(env.secure)
  const seal = jar.get(name)?.value
  if (!seal) return null
  jar.delete({ name, path: '/', secure: env.secure, httpOnly: true, sameSite: 'lax' })
  let data: { i?: unknown; s?: unknown; k?: unknown }
  try {
    data = await unsealData(seal, { password: env.SESSION_SECRET, ttl: env.LOGIN_REQUEST_TTL_SECONDS })
  } catch {
    return null
  }
  const parsed = parseLoginRequestParams(data.i, data.s, data.k ?? undefined)
  return parsed.ok && (await isPendingHere(parsed.params, now)) ? parsed.params : null
}
