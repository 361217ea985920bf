'use client'

import { useActionState, useState } from 'react'
import { startRegistration, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser'
import { buttonSecondary } from '../ui'
import { browserPasskeyError, type PasskeyBrowserWords } from '../passkey-errors'
import { useWebAuthnSupport } from '../webauthn-support'
import {
  finishPasskeyRegistrationAction,
  passkeyRegistrationOptionsAction,
  renamePasskeyAction,
  type PasskeyState,
} from './passkey-actions'

const inputClass =
  'mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-xs focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

/** "Add a passkey"'s words, in the page's language (app/account/passkeys.tsx). */
export interface AddPasskeyWords {
  nameLabel: string
  namePlaceholder: string
  add: string
  unsupported: string
  browser: PasskeyBrowserWords
}

/** The field a message is about gets aria-invalid and names the message (aria-describedby). */
function faultOf(state: { message?: string; invalid?: boolean }, messageId: string) {
  return state.message && state.invalid ? ({ 'aria-invalid': true, 'aria-describedby': messageId } as const) : {}
}

/** "Add a passkey": the browser creates it, the bridge verifies and keeps it under the given name. */
export function AddPasskeyForm({ words }: { words: AddPasskeyWords }) {
  const supported = useWebAuthnSupport()
  const [state, setState] = useState<Omit<PasskeyState, 'attempt'>>({})
  const [pending, setPending] = useState(false)

  async function add(form: FormData) {
    setState({})
    setPending(true)
    try {
      const { options, token } = await passkeyRegistrationOptionsAction()
      let response
      try {
        response = await startRegistration({ optionsJSON: options as PublicKeyCredentialCreationOptionsJSON })
      } catch (error) {
        setState({ message: browserPasskeyError(error, true, words.browser) ?? undefined })
        return
      }
      const result = await finishPasskeyRegistrationAction(token, response, String(form.get('name') ?? ''))
      setState({ message: result.message, invalid: result.invalid })
    } finally {
      setPending(false)
    }
  }

  if (supported === false) {
    return <p className="mt-3 text-sm text-slate-600">{words.unsupported}</p>
  }
  return (
    <form action={add} className="mt-3 space-y-3">
      <div>
        <label htmlFor="passkey-name" className="block text-sm font-medium text-slate-800">
          {words.nameLabel}
        </label>
        <input
          id="passkey-name"
          name="name"
          required
          maxLength={60}
          placeholder={words.namePlaceholder}
          className={inputClass}
          {...faultOf(state, 'passkey-message')}
        />
      </div>
      <p id="passkey-message" aria-live="polite" data-testid="passkey-message" className="min-h-5 text-sm text-red-700">
        {state.message}
      </p>
      <button type="submit" className={buttonSecondary} disabled={pending || !supported}>
        {words.add}
      </button>
    </form>
  )
}

const initial: PasskeyState = { attempt: 0 }

/** "Rename"'s words for one passkey: its field's label names it. */
export interface RenamePasskeyWords {
  label: string
  rename: string
}

export function RenamePasskeyForm({ id, name, words }: { id: string; name: string; words: RenamePasskeyWords }) {
  const [result, action, pending] = useActionState(renamePasskeyAction, initial)
  const messageId = `passkey-rename-message-${id}`
  return (
    <form action={action} key={result.attempt} className="mt-2 flex items-end gap-2">
      <input type="hidden" name="id" value={id} />
      <label className="block flex-1 text-xs text-slate-600">
        {words.label}
        <input name="name" defaultValue={name} required maxLength={60} className={inputClass} {...faultOf(result, messageId)} />
      </label>
      <button type="submit" disabled={pending} className="rounded-lg border border-slate-300 px-3 py-2 text-sm text-slate-800">
        {words.rename}
      </button>
      <p id={messageId} aria-live="polite" data-testid="passkey-rename-message" className="text-sm text-red-700">
        {result.message}
      </p>
    </form>
  )
}
