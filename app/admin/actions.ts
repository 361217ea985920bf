'use server'

import { redirect } from 'next/navigation'
import { signIn, signInWithCredentials, signOut } from '@/lib/auth/config'
import { findSource } from '@/lib/auth/providers'
import { ADMIN_SIGN_IN_PATH } from '@/lib/admin/access'
import { throttledMessage } from '@/lib/auth/throttle'
import { readCredentialFields } from '@/lib/auth/credentials-input'

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
  if (source?.type !== 'local' && source?.type !== 'http') return { message: 'This sign-in method is not available.', email, attempt }
  if (!fields.ok && fields.reason === 'missing') return { message: 'Enter your email and password.', email, attempt }
  const result = fields.ok
    ? await signInWithCredentials(source.id, { email, password: fields.password, purpose: 'admin' })
    : ({ outcome: 'refused' } as const)
  if (result.outcome === 'signed_in') redirect('/admin')
  if (result.outcome === 'failed') return { message: 'The sign-in service did not answer. Try again in a moment.', email, attempt }
  if (result.outcome === 'database_unavailable')
    return { message: 'The bridge cannot reach its database. Try again in a moment.', email, attempt }
  if (result.outcome === 'busy')
    return { message: 'Too many people are signing in at this moment. Try again in a few seconds.', email, attempt }
  if (result.outcome === 'throttled') return { message: throttledMessage(result.retryAfterMs), email, attempt }
  return { message: 'The email or password is incorrect.', email, attempt }
}

/** An upstream IdP for the admin area: Auth.js comes back to /admin. */
export async function adminIdpSignInAction(form: FormData): Promise<void> {
  const source = findSource(form.get('source'))
  if (source?.type !== 'oidc') redirect(ADMIN_SIGN_IN_PATH)
  await signIn(source.id, { redirectTo: '/admin' })
}

export async function adminSignOutAction(): Promise<void> {
  await signOut({ redirect: false })
  redirect(ADMIN_SIGN_IN_PATH)
}
