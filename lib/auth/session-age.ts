import 'server-only'
import { getEnv } from '../env'

/** A bridge session older than SESSION_MAX_AGE_SECONDS asks for a fresh sign-in instead of "Continue as". */
export function isSessionFresh(signedInAt: number | undefined, now = Date.now()): boolean {
  return typeof signedInAt === 'number' && signedInAt <= now && now - signedInAt < getEnv().SESSION_MAX_AGE_SECONDS * 1000
}
