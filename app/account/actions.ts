'use server'

import { redirect } from 'next/navigation'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { signInWithCredentials, signOut } from '@/lib/auth/config'
import { getTranslations } from 'next-intl/server'
import { readCredentialFields } from '@/lib/auth/credentials-input'
import { accountHolder, wouldLeaveNoFactor, type AccountHolder } from '@/lib/factors/account'
import { beginSecondStep, readSecondStep } from '@/lib/factors/second-step'
import { removeTotp, startTotpEnrolment } from '@/lib/factors/totp'
import { removeRecoveryCodes, replaceRecoveryCodes } from '@/lib/factors/recovery'
import { totpIssuer } from '@/lib/factors/qr'
import { confirmTotpEnrolment } from '@/lib/factors/check'
import { runSecondStep, type CodeState } from '../second-step-core'
import { headers } from 'next/headers'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import { throttledText } from '../login/words'

// /account's actions. proxy.ts refuses a cross-site POST to /account before any of them runs;
// each one reads the signed-in local user again.

export interface AccountSignInState {
  message?: string
  /** The message is about what was typed: the fields are marked invalid. */
  invalid?: boolean
  email?: string
  attempt: number
}

async function holder(): Promise<AccountHolder> {
  const found = await accountHolder()
  if (!found) redirect('/account')
  return found
}

/** Email and password for /account; a second step follows as at a login request. */
export async function accountSignInAction(previous: AccountSignInState, form: FormData): Promise<AccountSignInState> {
  const source = getEnv().sources.find((s) => s.type === 'local')
  const fields = readCredentialFields(form)
  const { email } = fields
  const attempt = previous.attempt + 1
  const t = await getTranslations('login.errors')
  if (!source) return { message: t('noLocalAccounts'), email, attempt }
  if (!fields.ok && fields.reason === 'missing') return { message: t('missingFields'), invalid: true, email, attempt }
  const result = fields.ok
    ? await signInWithCredentials(source.id, { email, password: fields.password, purpose: 'account' })
    : ({ outcome: 'refused' } as const)
  if (result.outcome === 'signed_in') redirect('/account')
  if (result.outcome === 'second_step') {
    if (result.step === 'passkey') return { message: t('passkeyNeeded'), email, attempt }
    await beginSecondStep({ userId: result.userId, email: result.email, source: source.id, need: result.step, purpose: 'account' })
    redirect(result.step === 'code' ? '/account/verify' : '/account/enrol')
  }
  if (result.outcome === 'throttled') return { message: await throttledText(result.retryAfterMs), email, attempt }
  if (result.outcome === 'database_unavailable' || result.outcome === 'busy' || result.outcome === 'failed')
    return { message: t('unavailable'), email, attempt }
  return { message: t('invalidCredentials'), invalid: true, email, attempt }
}

/** The code after the password at /account or the admin area (or enrolment's first code there). */
export async function accountSecondStepAction(previous: CodeState, form: FormData): Promise<CodeState> {
  const step = await readSecondStep()
  if (!step || step.loginRequestId) redirect('/account')
  const attempt = previous.attempt + 1
  const code = String(form.get('code') ?? '')
  if (!code.trim()) return { message: (await getTranslations('factors.code'))('missing'), attempt }
  const outcome = await runSecondStep(step, code)
  if (outcome.kind === 'database_unavailable') return { message: (await getTranslations('login.errors'))('unavailable'), attempt }
  if (outcome.kind === 'refused') return { message: outcome.message, attempt }
  if (outcome.signedIn.outcome !== 'signed_in') redirect('/account')
  if (outcome.recoveryCodes) return { attempt, recoveryCodes: outcome.recoveryCodes }
  redirect(step.purpose === 'admin' ? '/admin' : '/account')
}

export async function startTotpAction(): Promise<void> {
  const { user } = await holder()
  const env = getEnv()
  await startTotpEnrolment(await getDb(), env.AUTH_SECRET, user, totpIssuer(env.APP_URL))
  redirect('/account')
}

/** The first code of the new authenticator turns it on; a new set of recovery codes is shown once. */
export async function confirmTotpAction(previous: CodeState, form: FormData): Promise<CodeState> {
  const { user } = await holder()
  const attempt = previous.attempt + 1
  const db = await getDb()
  const ip = (await headers()).get(PEER_ADDRESS_HEADER) || null
  const check = await confirmTotpEnrolment(db, user, String(form.get('code') ?? ''), ip)
  if (!check.ok) {
    const message =
      check.reason === 'throttled' ? await throttledText(check.retryAfterMs) : (await getTranslations('factors.code'))('wrongNew')
    return { message, attempt }
  }
  return { attempt, recoveryCodes: await replaceRecoveryCodes(db, user.id) }
}

export async function removeTotpAction(): Promise<void> {
  const { user, factors } = await holder()
  if (wouldLeaveNoFactor(factors, 'totp')) redirect('/account?refused=last_factor')
  const db = await getDb()
  await removeTotp(db, user.id)
  await removeRecoveryCodes(db, user.id)
  redirect('/account')
}

export async function newRecoveryCodesAction(previous: CodeState): Promise<CodeState> {
  const { user, factors } = await holder()
  if (!factors.totp) redirect('/account')
  return { attempt: previous.attempt + 1, recoveryCodes: await replaceRecoveryCodes(await getDb(), user.id) }
}

export async function accountSignOutAction(): Promise<void> {
  await signOut({ redirect: false })
  redirect('/account')
}
