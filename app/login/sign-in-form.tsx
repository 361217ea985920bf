'use client'

import { useActionState } from 'react'
import { signInAction, type SignInState } from './actions'
import { EmailPasswordFields, type SignInWords } from '../email-password-fields'

const initial: SignInState = { attempt: 0 }

export function SignInForm({
  loginRequestId,
  state,
  server,
  source,
  passkeyAutofill,
  words,
}: {
  loginRequestId: string
  state: string
  server?: string
  source: string
  passkeyAutofill?: boolean
  words: SignInWords
}) {
  const [result, action, pending] = useActionState(signInAction, initial)
  return (
    // A new key after each failed attempt remounts the form, so the email the person typed comes
    // back as the default value instead of being cleared by React's form reset.
    <form action={action} key={result.attempt} className="space-y-4" noValidate={false}>
      <input type="hidden" name="login_request_id" value={loginRequestId} />
      <input type="hidden" name="state" value={state} />
      {server ? <input type="hidden" name="server" value={server} /> : null}
      <input type="hidden" name="source" value={source} />
      <EmailPasswordFields
        email={result.email}
        message={result.message}
        invalid={result.invalid}
        pending={pending}
        passkeyAutofill={passkeyAutofill}
        words={words}
      />
    </form>
  )
}
