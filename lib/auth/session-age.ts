import 'server-only'
import { getEnv } from '../env'

/** How far another instance's clock may run ahead of this one's. */
const CLOCK_SKEW_MS = 60_000

/** A sign-in at `signedInAt` is fresh for `maxAgeSeconds`, allowing for skew between instances. */
export function isFreshAt(signedInAt: number | undefined, now: number, maxAgeSeconds: number): boolean {
  return typeof signedInAt === 'number' && signedInAt <= now + CLOCK_SKEW_MS && now - signedInAt < maxAgeSeconds * 1000
}

/** A bridge session older than SESSION_MAX_AGE_SECONDS asks for a fresh sign-in instead of "Continue as". */
export function isSessionFresh(signedInAt: number | undefined, now = Date.now()): boolean {
  return isFreshAt(signedInAt, now, getEnv().SESSION_MAX_AGE_SECONDS)
}
