import 'server-only'
import { headers } from 'next/headers'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { getTranslations } from 'next-intl/server'
import { signInWithCredentials, type CredentialSignIn } from '@/lib/auth/config'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import { checkSecondFactorCode, confirmTotpEnrolment, type CodeCheck } from '@/lib/factors/check'
import { replaceRecoveryCodes } from '@/lib/factors/recovery'
import { endSecondStep, type SecondStep } from '@/lib/factors/second-step'
import { sealTicket, type Ticket } from '@/lib/factors/ticket'
import { throttledText } from './login/words'

// The second step of a password sign-in, wherever it started (a login request, the admin area,
// /account): check the code, or confirm a new authenticator, then make the session.

export interface CodeState {
  message?: string
  attempt: number
  /** Recovery codes, shown once after enrolment; the session exists by then. */
  recoveryCodes?: string[]
}

export type StepOutcome =
  | { kind: 'refused'; check: Exclude<CodeCheck, { ok: true }>; message: string }
  | { kind: 'signed_in'; signedIn: CredentialSignIn; recoveryCodes?: string[] }
  | { kind: 'database_unavailable' }

/** What the person reads, in the page's language. */
async function refusal(check: Exclude<CodeCheck, { ok: true }>): Promise<string> {
  if (check.reason === 'throttled') return throttledText(check.retryAfterMs)
  const t = await getTranslations('factors.code')
  return check.reason === 'replayed' ? t('replayed') : t('wrong')
}

/** The session for a person a finished second step or passkey sign-in vouches for, through the local directory's ticket. */
export async function signInVouched(source: string, ticket: Ticket, purpose?: 'admin' | 'account'): Promise<CredentialSignIn> {
  const seal = await sealTicket(getEnv().AUTH_SECRET, ticket)
  return signInWithCredentials(source, { ticket: seal, ...(purpose ? { purpose } : {}) })
}

/** Checks the code (`verify`) or confirms enrolment with it (`enrol`), and on success signs the person in. */
export async function runSecondStep(step: SecondStep, code: string): Promise<StepOutcome> {
  const ip = (await headers()).get(PEER_ADDRESS_HEADER) || null
  const user = { id: step.userId, email: step.email }
  let check: CodeCheck
  let recoveryCodes: string[] | undefined
  try {
    const db = await getDb()
    check = step.need === 'code' ? await checkSecondFactorCode(db, user, code, ip) : await confirmTotpEnrolment(db, user, code, ip)
    if (check.ok && step.need === 'enrol') recoveryCodes = await replaceRecoveryCodes(db, step.userId)
  } catch {
    return { kind: 'database_unavailable' }
  }
  if (!check.ok) return { kind: 'refused', check, message: await refusal(check) }
  // A password accepted before the account's sessions were ended (a reset, sign out everywhere) makes no session.
  const signedIn = await signInVouched(step.source, { userId: step.userId, amr: check.amr, since: step.at }, step.purpose)
  // After enrolment the step stays, so the page (refreshed because the session cookie was set)
  // still renders, with the recovery codes and "Continue"; it ends with its time or the login.
  if (step.need === 'code') await endSecondStep()
  return { kind: 'signed_in', signedIn, recoveryCodes }
}
