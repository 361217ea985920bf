'use server'

import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { getTranslations } from 'next-intl/server'
import { throttleLimits } from '@/lib/auth/throttle'
import { recordSourceFailure } from '@/lib/auth/idp-sign-in'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import { problemPath } from '@/lib/login/problems'
import type { LoginRequestParams } from '@/lib/login/request'
import { relyingParty } from '@/lib/factors/passkey-challenges'
import { authenticationOptions, checkPasskeySignIn, type PasskeyCheck } from '@/lib/factors/passkeys'
import { signInVouched } from '../second-step-core'
import { findServer, offeredSources } from '@/lib/servers'
import { complete, readRequest } from './action-support'
import { loginPath } from './params'
import { throttledText } from './words'

// "Sign in with a passkey" (and the browser's autofill of passkeys) for a login request. Both
// actions re-read the login request from the form and refuse a cross-site post (readRequest).

export interface PasskeySignInState {
  message?: string
  attempt: number
}

/** The local directory, when the server this login request is for offers it. */
function localSource(params: LoginRequestParams) {
  const server = findServer(params.server)
  if (!server) redirect(problemPath('unknown_server'))
  return offeredSources(server).find((source) => source.type === 'local')
}

/** Options for the browser, bound to this login request, with the sealed challenge to send back. */
export async function passkeySignInOptionsAction(
  form: FormData,
): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; token: string } | null> {
  const params = await readRequest(form)
  if (!localSource(params)) return null
  return authenticationOptions(relyingParty(), params.loginRequestId)
}

type Refusal = Exclude<PasskeyCheck, { ok: true }>

/** What the person reads (in the page's language), and what the ledger keeps (never anything of the credential itself). */
async function refusal(check: Refusal): Promise<{ message: string; detail: string }> {
  const t = await getTranslations('factors.passkey')
  switch (check.reason) {
    case 'throttled':
      return { message: await throttledText(check.retryAfterMs), detail: 'too many failed sign-in attempts for this account or address' }
    case 'cloned':
      return { message: t('cloned'), detail: 'a cloned or replayed authenticator: the passkey signature counter did not increase' }
    case 'expired':
      return { message: t('expired'), detail: 'the passkey challenge expired or was for another login request' }
    case 'used':
      return { message: t('used'), detail: 'the passkey challenge was already used' }
    case 'unknown':
      return { message: t('unknown'), detail: 'an unknown passkey' }
    case 'disabled':
      return { message: t('refused'), detail: 'the account is disabled' }
    default:
      return { message: t('refused'), detail: 'the passkey signature or user verification was refused' }
  }
}

function parseResponse(raw: FormDataEntryValue | null): AuthenticationResponseJSON | null {
  try {
    const parsed: unknown = JSON.parse(String(raw ?? ''))
    return parsed && typeof parsed === 'object' && typeof (parsed as { id?: unknown }).id === 'string'
      ? (parsed as AuthenticationResponseJSON)
      : null
  } catch {
    return null
  }
}

/** The browser's answer: verified, then the session, then the login request completes. */
export async function passkeySignInAction(previous: PasskeySignInState, form: FormData): Promise<PasskeySignInState> {
  const params = await readRequest(form)
  const source = localSource(params)
  if (!source) redirect(loginPath(params))
  const attempt = previous.attempt + 1
  const response = parseResponse(form.get('response'))
  if (!response) return { message: (await getTranslations('factors.passkey'))('refused'), attempt }
  const env = getEnv()
  const ip = (await headers()).get(PEER_ADDRESS_HEADER) || null
  let check: PasskeyCheck
  try {
    const input = { token: form.get('token'), response, loginRequestId: params.loginRequestId, ip, limits: throttleLimits(env) }
    check = await checkPasskeySignIn(await getDb(), relyingParty(), input)
  } catch {
    redirect(problemPath('database_unavailable', params))
  }
  if (!check.ok) {
    const { message, detail } = await refusal(check)
    await recordSourceFailure(params, source.id, check.reason === 'throttled' ? 'throttled' : 'credentials_refused', detail)
    return { message, attempt }
  }
  const result = await signInVouched(source.id, { userId: check.user.id, amr: check.amr })
  if (result.outcome === 'signed_in') return complete(params, result.identity, result.signedInAt)
  if (result.outcome === 'database_unavailable') redirect(problemPath('database_unavailable', params))
  await recordSourceFailure(params, source.id, 'credentials_refused', 'the account could not be signed in')
  return { message: (await getTranslations('factors.passkey'))('refused'), attempt }
}
