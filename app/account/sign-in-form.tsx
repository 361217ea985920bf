'use client'

import { useActionState } from 'react'
import { accountSignInAction, type AccountSignInState } from './actions'
import { EmailPasswordFields, type SignInWords } from '../email-password-fields'

const initial: AccountSignInState = { attempt: 0 }

export function AccountSignInForm({ words }: { words: SignInWords }) {
  const [result, action, pending] = useActionState(accountSignInAction, initial)
  return (
    // Remounted after each failed attempt so the typed email comes back (React resets the form).
    <form action={action} key={result.attempt} className="mt-6 space-y-4">
      <EmailPasswordFields email={result.email} message={result.message} invalid={result.invalid} pending={pending} words={words} />
    </form>
  )
}
