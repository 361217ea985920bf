'use server'

import { redirect } from 'next/navigation'
import { signInWithCredentials, signOut } from '@/lib/auth/config'
import { findSource } from '@/lib/auth/providers'
import { ADMIN_SIGN_IN_PATH } from '@/lib/admin/access'
import { adminProblemFor, adminProblemPath } from '@/lib/admin/problems'
import { startAdminIdpSignIn } from '@/lib/auth/idp-sign-in'
import { problemForFailure } from '@/lib/auth/errors'
import { logEvent } from '@/lib/server/log'
import { waitMinutes } from '@/lib/auth/throttle'
import { getTranslations } from 'next-intl/server'
import { readCredentialFields } from '@/lib/auth/credentials-input'
import { beginSecondStep } from '@/lib/factors/second-step'

export interface AdminSignInState {
  message?: string
  email?: string
  attempt: number
}

/** Email and password for the admin area, through the configured local or http source. */
export async function adminSignInAction(previous: AdminSignInState, form: FormData): Promise<AdminSignInState> {
  const source = findSource(form.get('source'))
  const fields = readCredentialFields(form)
  const { email } = fields
  const attempt = previous.attempt + 1
  const t = await getTranslations('login')
  if (source?.type !== 'local' && source?.type !== 'http') return { message: t('admin.errors.methodUnavailable'), email, attempt }
  if (!fields.ok && fields.reason === 'missing') return { message: t('errors.missingFields'), email, attempt }
  const result = fields.ok
    ? await signInWithCredentials(source.id, { email, password: fields.password, purpose: 'admin' })
    : ({ outcome: 'refused' } as const)
  if (result.outcome === 'signed_in') redirect('/admin')
  if (result.outcome === 'second_step') {
    if (result.step === 'passkey') return { message: t('errors.passkeyNeeded'), email, attempt }
    // The code (or enrolment) page of /account serves the admin area's sign-in too, then comes back to /admin.
    await beginSecondStep({ userId: result.userId, email: result.email, source: source.id, need: result.step, purpose: 'admin' })
    redirect(result.step === 'code' ? '/account/verify' : '/account/enrol')
  }
  if (result.outcome === 'failed') return { message: t('admin.errors.serviceDown'), email, attempt }
  if (result.outcome === 'database_unavailable') return { message: t('admin.errors.databaseDown'), email, attempt }
  if (result.outcome === 'busy') return { message: t('admin.errors.busy'), email, attempt }
  if (result.outcome === 'throttled')
    return { message: t('errors.throttled', { minutes: waitMinutes(result.retryAfterMs) }), email, attempt }
  return { message: t('errors.invalidCredentials'), email, attempt }
}

/** An upstream IdP for the admin area: Auth.js comes back to /admin, a failure to the admin area's page. */
export async function adminIdpSignInAction(form: FormData): Promise<void> {
  const source = findSource(form.get('source'))
  if (source?.type !== 'oidc') redirect(ADMIN_SIGN_IN_PATH)
  const started = await startAdminIdpSignIn(source)
  redirect(started.ok ? started.location : adminProblemPath(adminProblemFor(started.problem)))
}

/**
 * "Continue as" the person signed in to the company app, asked again right now: an admin session
 * only for an administrator; anyone else gets the admin area's 403 page and no session.
 */
export async function adminAppSessionAction(form: FormData): Promise<void> {
  const source = findSource(form.get('source'))
  if (source?.type !== 'session') redirect(ADMIN_SIGN_IN_PATH)
  const result = await signInWithCredentials(source.id, { purpose: 'admin' })
  if (result.outcome === 'signed_in') redirect('/admin')
  if (result.outcome === 'not_admin') {
    logEvent('admin_sign_in_refused', { source: source.id })
    redirect(adminProblemPath('not_admin'))
  }
  if (result.outcome === 'failed') {
    const code = adminProblemFor(problemForFailure(result.failure))
    logEvent('admin_sign_in_failed', { source: source.id, code, detail: result.failure.detail })
    redirect(adminProblemPath(code))
  }
  // Signed out of the company app since the page was shown: the page offers its sign-in again.
  redirect(ADMIN_SIGN_IN_PATH)
}

export async function adminSignOutAction(): Promise<void> {
  await signOut({ redirect: false })
  redirect(ADMIN_SIGN_IN_PATH)
}
