'use client'

import { startTransition, useActionState, useEffect, useState } from 'react'
import { browserSupportsWebAuthnAutofill, startAuthentication, WebAuthnAbortService } from '@simplewebauthn/browser'
import { buttonSecondary } from '../ui'
import { browserPasskeyError, type PasskeyBrowserWords } from '../passkey-errors'
import { useWebAuthnSupport } from '../webauthn-support'
import { passkeySignInAction, passkeySignInOptionsAction, type PasskeySignInState } from './passkey-actions'

// "Sign in with a passkey" next to the email and password form, and the browser's autofill of
// passkeys on its email field (conditional mediation). Shown only once the page runs in a browser
// that supports WebAuthn, so a page without JavaScript is unchanged.

interface RequestFields {
  loginRequestId: string
  state: string
  server?: string
}

function requestForm(request: RequestFields): FormData {
  const form = new FormData()
  form.set('login_request_id', request.loginRequestId)
  form.set('state', request.state)
  if (request.server) form.set('server', request.server)
  return form
}

/**
 * Runs the browser's ceremony: the form to post, a message to show, or null (aborted, nothing to
 * say). Autofill (no `words`) has nothing to say when it ends without an answer.
 */
async function passkeyAnswer(request: RequestFields, autofill: boolean, words?: PasskeyBrowserWords): Promise<FormData | string | null> {
  const issued = await passkeySignInOptionsAction(requestForm(request))
  if (!issued) return null
  try {
    const response = await startAuthentication({ optionsJSON: issued.options, useBrowserAutofill: autofill })
    const form = requestForm(request)
    form.set('token', issued.token)
    form.set('response', JSON.stringify(response))
    return form
  } catch (error) {
    return autofill || !words ? null : browserPasskeyError(error, false, words)
  }
}

const initial: PasskeySignInState = { attempt: 0 }

/** The button's words and the browser's messages, in the page's language (app/login/words.ts). */
export interface PasskeySignInWords {
  button: string
  browser: PasskeyBrowserWords
}

export function PasskeySignIn({ loginRequestId, state, server, words }: RequestFields & { words: PasskeySignInWords }) {
  const supported = useWebAuthnSupport()
  const [result, dispatch, pending] = useActionState(passkeySignInAction, initial)
  const [local, setLocal] = useState<{ message: string | null; attempt: number }>({ message: null, attempt: -1 })
  const [busy, setBusy] = useState(false)

  // Autofill: the browser offers this site's passkeys in the email field's suggestions.
  useEffect(() => {
    if (!supported) return
    let live = true
    void browserSupportsWebAuthnAutofill().then(async (available) => {
      if (!available || !live) return
      const answer = await passkeyAnswer({ loginRequestId, state, server }, true)
      if (live && answer instanceof FormData) startTransition(() => dispatch(answer))
    })
    return () => {
      live = false
      WebAuthnAbortService.cancelCeremony()
    }
  }, [supported, loginRequestId, state, server, result.attempt, dispatch])

  if (!supported) return null

  async function signIn() {
    setBusy(true)
    setLocal({ message: null, attempt: result.attempt })
    try {
      const answer = await passkeyAnswer({ loginRequestId, state, server }, false, words.browser)
      if (answer instanceof FormData) startTransition(() => dispatch(answer))
      else setLocal({ message: answer, attempt: result.attempt })
    } finally {
      setBusy(false)
    }
  }

  // A message from the browser belongs to the attempt it was shown in; the server's answer replaces it.
  const message = local.attempt === result.attempt && local.message !== null ? local.message : result.message
  return (
    <div className="space-y-2">
      <button type="button" className={buttonSecondary} onClick={() => void signIn()} disabled={busy || pending}>
        {words.button}
      </button>
      <p aria-live="polite" data-testid="passkey-message" className="min-h-5 text-sm text-red-700">
        {message}
      </p>
    </div>
  )
}
