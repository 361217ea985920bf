import 'server-only'
import { cookies } from 'next/headers'
import { getEnv } from '../env'
import { cookieNameFor, cookieOptionsFor, sealPending, unsealPending, withoutEntry, type PendingMap } from './request'

// Reads and rewrites the sealed pending-requests cookie from server actions. (The first write
// happens in proxy.ts, on the GET that brings the login request.)

export async function readPending(): Promise<PendingMap> {
  const env = getEnv()
  const jar = await cookies()
  return unsealPending(jar.get(cookieNameFor(env.secure))?.value, env.SESSION_SECRET, env.LOGIN_REQUEST_TTL_SECONDS)
}

export async function forgetPending(pending: PendingMap, loginRequestId: string): Promise<void> {
  const env = getEnv()
  const jar = await cookies()
  const rest = withoutEntry(pending, loginRequestId)
  const name = cookieNameFor(env.secure)
  if (Object.keys(rest).length === 0) {
    jar.delete({ name, path: '/', secure: env.secure, httpOnly: true, sameSite: 'lax' })
    return
  }
  const seal = await sealPending(rest, env.SESSION_SECRET, env.LOGIN_REQUEST_TTL_SECONDS)
  jar.set(name, seal, cookieOptionsFor(env.secure, env.LOGIN_REQUEST_TTL_SECONDS))
}
