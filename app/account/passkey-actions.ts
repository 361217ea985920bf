'use server'

import { redirect } from 'next/navigation'
import type { RegistrationResponseJSON } from '@simplewebauthn/server'
import { getDb } from '@/lib/db/client'
import { accountHolder, wouldLeaveNoFactor, type AccountHolder } from '@/lib/factors/account'
import { relyingParty } from '@/lib/factors/passkey-challenges'
import { finishRegistration, passkeyName, registrationOptions, removePasskey, renamePasskey } from '@/lib/factors/passkeys'

// /account's passkey actions. proxy.ts refuses a cross-site POST to /account before any of them
// runs; each one reads the signed-in local user again.

export interface PasskeyState {
  message?: string
  /** Bumped on each answer, so the form can start afresh. */
  attempt: number
}

async function holder(): Promise<AccountHolder> {
  const found = await accountHolder()
  if (!found) redirect('/account')
  return found
}

/** The options for the browser's passkey creation, with the sealed challenge to send back. */
export async function passkeyRegistrationOptionsAction(): Promise<{ options: unknown; token: string }> {
  const { user } = await holder()
  return registrationOptions(await getDb(), relyingParty(), user)
}

const REGISTRATION_REFUSED: Record<string, string> = {
  expired: 'That took too long. Try again.',
  used: 'That request was already used. Try again.',
  refused: 'The passkey could not be verified. Try again.',
  duplicate: 'That passkey is already registered.',
  too_many: 'You have the most passkeys an account can hold. Remove one first.',
}

/** Keeps the passkey the browser just created, under the name the person gave it. */
export async function finishPasskeyRegistrationAction(
  token: string,
  response: RegistrationResponseJSON,
  rawName: string,
): Promise<PasskeyState> {
  const { user } = await holder()
  const name = passkeyName(rawName)
  if (!name) return { message: 'Give the passkey a name of 1 to 60 characters.', attempt: 0 }
  const result = await finishRegistration(await getDb(), relyingParty(), user.id, { token, response, name })
  if (!result.ok) return { message: REGISTRATION_REFUSED[result.reason], attempt: 0 }
  redirect('/account')
}

export async function renamePasskeyAction(previous: PasskeyState, form: FormData): Promise<PasskeyState> {
  const { user } = await holder()
  const attempt = previous.attempt + 1
  const name = passkeyName(form.get('name'))
  if (!name) return { message: 'Give the passkey a name of 1 to 60 characters.', attempt }
  await renamePasskey(await getDb(), user.id, String(form.get('id') ?? ''), name)
  redirect('/account')
}

export async function removePasskeyAction(form: FormData): Promise<void> {
  const { user, factors } = await holder()
  const id = String(form.get('id') ?? '')
  if (!factors.passkeys.some((p) => p.id === id)) redirect('/account')
  if (wouldLeaveNoFactor(factors, 'passkey')) redirect('/account?refused=last_factor')
  await removePasskey(await getDb(), user.id, id)
  redirect('/account')
}
