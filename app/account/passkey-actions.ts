'use server'

import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import type { RegistrationResponseJSON } from '@simplewebauthn/server'
import { getDb } from '@/lib/db/client'
import { accountHolder, wouldLeaveNoFactor, type AccountHolder } from '@/lib/factors/account'
import { relyingParty } from '@/lib/factors/passkey-challenges'
import { finishRegistration, passkeyName, registrationOptions, removePasskey, renamePasskey } from '@/lib/factors/passkeys'

// /account's passkey actions. proxy.ts refuses a cross-site POST to /account before any of them
// runs; each one reads the signed-in local user again.

export interface PasskeyState {
  message?: string
  /** The message is about the name typed: the field is marked invalid. */
  invalid?: boolean
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

/** Why a new passkey was not kept, as `account.passkeys.errors` names it. */
const REGISTRATION_REFUSED = {
  expired: 'expired',
  used: 'used',
  refused: 'refused',
  duplicate: 'duplicate',
  too_many: 'tooMany',
} as const

/** Keeps the passkey the browser just created, under the name the person gave it. */
export async function finishPasskeyRegistrationAction(
  token: string,
  response: RegistrationResponseJSON,
  rawName: string,
): Promise<PasskeyState> {
  const { user } = await holder()
  const t = await getTranslations('account.passkeys.errors')
  const name = passkeyName(rawName)
  if (!name) return { message: t('badName'), invalid: true, attempt: 0 }
  const result = await finishRegistration(await getDb(), relyingParty(), user.id, { token, response, name })
  if (!result.ok) return { message: t(REGISTRATION_REFUSED[result.reason]), attempt: 0 }
  redirect('/account')
}

export async function renamePasskeyAction(previous: PasskeyState, form: FormData): Promise<PasskeyState> {
  const { user } = await holder()
  const attempt = previous.attempt + 1
  const name = passkeyName(form.get('name'))
  if (!name) return { message: (await getTranslations('account.passkeys.errors'))('badName'), invalid: true, attempt }
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
