'use server'

import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { AuthError } from 'next-auth'
import { getEnv } from '@/lib/env'
import { getDb } from '@/lib/db/client'
import { auth, LOCAL_SOURCE, signIn, signOut } from '@/lib/auth'
import { findUserByEmail, findUserById } from '@/lib/users'
import type { User } from '@/lib/db/schema'
import type { IdentityProfile } from '@/lib/claims'
import { readPending, forgetPending } from '@/lib/login-cookie'
import { cancelLogin, completeLogin, rejectCrossSite, type CompletionResult } from '@/lib/complete-login'
import { problemPath } from '@/lib/problems'
import { isSameOriginPost } from '@/lib/security-headers'
import type { LoginRequestParams, PendingMap } from '@/lib/login-request'
import { loginPath, loginRequestFrom } from './params'

export interface SignInState {
  message?: string
  email?: string
  attempt: number
}

const INVALID_CREDENTIALS = 'The email or password is incorrect.'

function localProfile(user: User): IdentityProfile {
  return {
    source: LOCAL_SOURCE,
    subject: user.id,
    email: user.email,
    emailVerified: user.email_verified === 1,
    name: user.name,
    roles: user.is_admin ? ['admin'] : undefined,
  }
}

/**
 * Every completing action is a public endpoint: it re-reads the login request from the form,
 * and refuses a POST whose Origin is not this bridge (cross-site, null or missing).
 */
async function readRequest(form: FormData): Promise<LoginRequestParams> {
  const parsed = loginRequestFrom(form.get('login_request_id'), form.get('state'))
  if (!parsed.ok) redirect(problemPath(parsed.problem))
  const h = await headers()
  const origin = h.get('origin')
  if (!isSameOriginPost(origin, h.get('sec-fetch-site'), getEnv().APP_URL)) {
    await rejectCrossSite(parsed.params, origin)
    redirect(problemPath('cross_site'))
  }
  return parsed.params
}

async function finish(result: CompletionResult, params: LoginRequestParams, pending: PendingMap): Promise<never> {
  if (result.ok) {
    await forgetPending(pending, params.loginRequestId)
    redirect(result.location)
  }
  redirect(problemPath(result.problem, params))
}

export async function signInAction(previous: SignInState, form: FormData): Promise<SignInState> {
  const params = await readRequest(form)
  const email = String(form.get('email') ?? '').trim().slice(0, 320)
  const password = String(form.get('password') ?? '')
  const attempt = previous.attempt + 1
  if (!email || !password) return { message: 'Enter your email and password.', email, attempt }

  try {
    await getDb()
  } catch {
    redirect(problemPath('database_unavailable', params))
  }
  try {
    await signIn(LOCAL_SOURCE, { email, password, redirect: false })
  } catch (error) {
    if (error instanceof AuthError && error.type === 'CredentialsSignin') return { message: INVALID_CREDENTIALS, email, attempt }
    throw error
  }
  const user = await findUserByEmail(await getDb(), email)
  if (!user) return { message: INVALID_CREDENTIALS, email, attempt }

  const pending = await readPending()
  const result = await completeLogin({ params, pending, profile: localProfile(user), signedInAt: Date.now() })
  return finish(result, params, pending)
}

export async function continueAction(form: FormData): Promise<void> {
  const params = await readRequest(form)
  const session = await auth()
  if (!session?.user?.id || session.source !== LOCAL_SOURCE) redirect(loginPath(params))
  let user: User | undefined
  try {
    user = await findUserById(await getDb(), session.user.id)
  } catch {
    redirect(problemPath('database_unavailable', params))
  }
  if (!user || user.disabled) redirect(problemPath('account_unavailable'))
  const pending = await readPending()
  const result = await completeLogin({
    params,
    pending,
    profile: localProfile(user),
    signedInAt: session.signedInAt ?? Date.now(),
  })
  return finish(result, params, pending)
}

export async function useAnotherAccountAction(form: FormData): Promise<void> {
  const params = await readRequest(form)
  await signOut({ redirect: false })
  redirect(loginPath(params))
}

export async function cancelAction(form: FormData): Promise<void> {
  const params = await readRequest(form)
  const pending = await readPending()
  return finish(await cancelLogin(params, pending), params, pending)
}
