'use client'

import { useActionState, useState } from 'react'
import { startRegistration, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser'
import { buttonSecondary } from '../ui'
import { browserPasskeyError } from '../passkey-errors'
import { useWebAuthnSupport } from '../webauthn-support'
import {
  finishPasskeyRegistrationAction,
  passkeyRegistrationOptionsAction,
  renamePasskeyAction,
  type PasskeyState,
} from './passkey-actions'

const inputClass =
  'mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-xs focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

/** "Add a passkey": the browser creates it, the bridge verifies and keeps it under the given name. */
export function AddPasskeyForm() {
  const supported = useWebAuthnSupport()
  const [message, setMessage] = useState<string>()
  const [pending, setPending] = useState(false)

  async function add(form: FormData) {
    setMessage(undefined)
    setPending(true)
    try {
      const { options, token } = await passkeyRegistrationOptionsAction()
      let response
      try {
        response = await startRegistration({ optionsJSON: options as PublicKeyCredentialCreationOptionsJSON })
      } catch (error) {
        setMessage(browserPasskeyError(error, true) ?? undefined)
        return
      }
      const result = await finishPasskeyRegistrationAction(token, response, String(form.get('name') ?? ''))
      setMessage(result.message)
    } finally {
      setPending(false)
    }
  }

  if (supported === false) {
    return <p className="mt-3 text-sm text-slate-600">This browser cannot create passkeys.</p>
  }
  return (
    <form action={add} className="mt-3 space-y-3">
      <div>
        <label htmlFor="passkey-name" className="block text-sm font-medium text-slate-800">
          Passkey name
        </label>
        <input id="passkey-name" name="name" required maxLength={60} placeholder="Work laptop" className={inputClass} />
      </div>
      <p aria-live="polite" data-testid="passkey-message" className="min-h-5 text-sm text-red-700">
        {message}
      </p>
      <button type="submit" className={buttonSecondary} disabled={pending || !supported}>
        Add a passkey
      </button>
    </form>
  )
}

const initial: PasskeyState = { attempt: 0 }

export function RenamePasskeyForm({ id, name }: { id: string; name: string }) {
  const [result, action, pending] = useActionState(renamePasskeyAction, initial)
  return (
    <form action={action} key={result.attempt} className="mt-2 flex items-end gap-2">
      <input type="hidden" name="id" value={id} />
      <label className="block flex-1 text-xs text-slate-600">
        New name for {name}
        <input name="name" defaultValue={name} required maxLength={60} className={inputClass} />
      </label>
      <button type="submit" disabled={pending} className="rounded-lg border border-slate-300 px-3 py-2 text-sm text-slate-800">
        Rename
      </button>
      <p aria-live="polite" data-testid="passkey-rename-message" className="text-sm text-red-700">
        {result.message}
      </p>
    </form>
  )
}
