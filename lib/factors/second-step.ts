import 'server-only'
import { cookies } from 'next/headers'
import { sealData, unsealData } from 'iron-session'
import { getEnv } from '../env'
import { sealTtlFor } from '../login/request'

// Between a right password and the second step (an authenticator code, or enrolling one where a
// second factor is required), the browser holds only this sealed, short-lived cookie: no session
// exists yet, so nothing can continue or reach Scalekit on the password alone.

type SecondStepNeed = 'code' | 'enrol'

export interface SecondStep {
  userId: string
  email: string
  source: string
  need: SecondStepNeed
  /** The login request it belongs to; absent for a sign-in at the admin area or /account. */
  loginRequestId?: string
  purpose?: 'admin' | 'account'
  at: number
}

function cookieName(secure: boolean): string {
  return secure ? '__Host-byoa_second_step' : 'byoa_second_step'
}

const cookieOptions = (secure: boolean) => ({ httpOnly: true, sameSite: 'lax' as const, secure, path: '/' })

/** As long as a login request lives: the person has that long to enter a code or enrol. */
function ttl(): number {
  return sealTtlFor(getEnv().LOGIN_REQUEST_TTL_SECONDS)
}

export async function beginSecondStep(step: Omit<SecondStep, 'at'>): Promise<void> {
  const env = getEnv()
  const seal = await sealData({ ...step, at: Date.now() }, { password: env.SESSION_SECRET, ttl: ttl() })
  ;(await cookies()).set(cookieName(env.secure), seal, { ...cookieOptions(env.secure), maxAge: ttl() })
}

/** The second step this browser is in; a missing, tampered or expired seal reads as none. */
export async function readSecondStep(): Promise<SecondStep | null> {
  const env = getEnv()
  const seal = (await cookies()).get(cookieName(env.secure))?.value
  if (!seal) return null
  try {
    const data = await unsealData<Partial<SecondStep>>(seal, { password: env.SESSION_SECRET, ttl: ttl() })
    if (typeof data.userId !== 'string' || typeof data.email !== 'string' || typeof data.source !== 'string') return null
    if ((data.need !== 'code' && data.need !== 'enrol') || typeof data.at !== 'number') return null
    return {
      userId: data.userId,
      email: data.email,
      source: data.source,
      need: data.need,
      at: data.at,
      ...(typeof data.loginRequestId === 'string' ? { loginRequestId: data.loginRequestId } : {}),
      ...(data.purpose === 'admin' || data.purpose === 'account' ? { purpose: data.purpose } : {}),
    }
  } catch {
    return null
  }
}

export async function endSecondStep(): Promise<void> {
  const env = getEnv()
  ;(await cookies()).delete({ name: cookieName(env.secure), ...cookieOptions(env.secure) })
}
