'use server'

import { redirect } from 'next/navigation'
import { getDb } from '@/lib/db/client'
import { getTranslations } from 'next-intl/server'
import { auth, signInWithCredentials, signOut } from '@/lib/auth/config'
import { findSource, localIdentity } from '@/lib/auth/providers'
import { findUserById, sessionStillValid } from '@/lib/users/directory'
import type { MappedIdentity } from '@/lib/sources/claims'
import { readPending } from '@/lib/login/cookie'
import { cancelLogin } from '@/lib/login/complete'
import { problemPath } from '@/lib/login/problems'
import { recordSourceFailure, startIdpSignIn } from '@/lib/auth/idp-sign-in'
import { askForFreshIdpSignIn } from '@/lib/login/idp-round-trip'
import { problemForFailure } from '@/lib/auth/errors'
import { readCredentialFields } from '@/lib/auth/credentials-input'
import { isSessionFresh } from '@/lib/auth/session-age'
import { beginSecondStep } from '@/lib/factors/second-step'
import { complete, failSignIn, finish, offeredSource, readRequest, requireSeen } from './action-support'
import { loginPath, secondStepPath } from './params'
import { findServer } from '@/lib/servers'
import { traceCompletion, traceSignIn } from '@/lib/server/login-spans'
import { throttledText } from './words'

export interface SignInState {
  message?: string
  /** The message is about what was typed: the fields are marked invalid. */
  invalid?: boolean
  email?: string
  attempt: number
}

/** Email and password, checked by the local directory or the company's credential API. */
export async function signInAction(previous: SignInState, form: FormData): Promise<SignInState> {
  const params = await readRequest(form)
  const source = offeredSource(params, form.get('source'))
  if (source?.type !== 'local' && source?.type !== 'http') redirect(loginPath(params))
  const fields = readCredentialFields(form)
  const { email } = fields
  const attempt = previous.attempt + 1
  const t = await getTranslations('login.errors')
  if (!fields.ok && fields.reason === 'missing') return { message: t('missingFields'), invalid: true, email, attempt }

  const requireMfa = findServer(params.server)?.requireMfa ? '1' : '0'
  const result = fields.ok
    ? await traceSignIn(params, source.id, () => signInWithCredentials(source.id, { email, password: fields.password, requireMfa }))
    : ({ outcome: 'refused' } as const)
  if (result.outcome === 'signed_in') return complete(params, result.identity, result.signedInAt)
  if (result.outcome === 'second_step') {
    if (result.step === 'passkey') return { message: t('passkeyNeeded'), email, attempt }
    await beginSecondStep({
      userId: result.userId,
      email: result.email,
      source: source.id,
      need: result.step,
      loginRequestId: params.loginRequestId,
    })
    redirect(secondStepPath(result.step, params))
  }
  if (result.outcome === 'database_unavailable') redirect(problemPath('database_unavailable', params))
  if (result.outcome === 'busy') redirect(problemPath('sign_in_busy', params))
  if (result.outcome === 'failed') {
    return failSignIn(params, source.id, problemForFailure(result.failure), result.failure.detail)
  }
  if (result.outcome === 'throttled') {
    await recordSourceFailure(params, source.id, 'throttled', 'too many failed sign-in attempts for this account or address')
    return { message: await throttledText(result.retryAfterMs), email, attempt }
  }
  await recordSourceFailure(params, source.id, 'credentials_refused', 'the email or password was refused')
  return { message: t('invalidCredentials'), invalid: true, email, attempt }
}

/** "Sign in with <IdP>": leaves for the upstream IdP, which sends the person back to /login/resume. */
export async function startIdpSignInAction(form: FormData): Promise<void> {
  const params = await readRequest(form)
  requireSeen(params, form)
  const source = offeredSource(params, form.get('source'))
  if (source?.type !== 'oidc') redirect(loginPath(params))
  const started = await startIdpSignIn(params, source)
  if (!started.ok) return failSignIn(params, source.id, started.problem, started.detail)
  redirect(started.location)
}

/** "Continue as" the person signed in to the company app, checked again with the app right now. */
export async function continueWithAppSessionAction(form: FormData): Promise<void> {
  const params = await readRequest(form)
  requireSeen(params, form)
  const source = offeredSource(params, form.get('source'))
  if (source?.type !== 'session') redirect(loginPath(params))
  const result = await traceSignIn(params, source.id, () => signInWithCredentials(source.id, {}))
  if (result.outcome === 'signed_in') return complete(params, result.identity, result.signedInAt)
  if (result.outcome === 'failed') {
    return failSignIn(params, source.id, problemForFailure(result.failure), result.failure.detail)
  }
  // Signed out of the company app since the page was shown: the page offers its sign-in again.
  redirect(loginPath(params))
}

/** "Continue as" the person already signed in to the bridge, within the session's maximum age. */
export async function continueAction(form: FormData): Promise<void> {
  const params = await readRequest(form)
  requireSeen(params, form)
  const session = await auth()
  const source = offeredSource(params, session?.source)
  if (!session?.identity || !source || source.type === 'session' || session.purpose !== undefined || !isSessionFresh(session.signedInAt)) {
    redirect(loginPath(params))
  }
  const signedInAt = session.signedInAt ?? Date.now()
  if (source.type !== 'local') return complete(params, session.identity, signedInAt)

  // The local directory is ours: a disabled account, or one signed out everywhere, stops here even with a live session.
  let identity: MappedIdentity | undefined
  try {
    const user = await findUserById(await getDb(), session.user?.id ?? '')
    // Still the methods of the sign-in this session came from: continuing proves nothing more.
    const amr = session.identity.ok ? session.identity.profile.amr : undefined
    if (user && sessionStillValid(user, signedInAt)) identity = localIdentity(source.id, user, amr)
  } catch {
    redirect(problemPath('database_unavailable', params))
  }
  if (!identity) redirect(problemPath('account_unavailable'))
  return complete(params, identity, signedInAt)
}

/** Signs out of the bridge; after an IdP sign-in, the next one there asks the person to sign in afresh. */
export async function useAnotherAccountAction(form: FormData): Promise<void> {
  const params = await readRequest(form)
  const left = findSource((await auth())?.source)
  if (left?.type === 'oidc') await askForFreshIdpSignIn(left.id)
  await signOut({ redirect: false })
  redirect(loginPath(params))
}

export async function cancelAction(form: FormData): Promise<void> {
  const params = await readRequest(form)
  const pending = await readPending()
  return finish(await traceCompletion('login.cancel', params, () => cancelLogin(params, pending)), params, pending)
}
