'use client'

import { useActionState } from 'react'
import { adminSignInAction, type AdminSignInState } from '../actions'
import { EmailPasswordFields, type SignInWords } from '../../email-password-fields'

const initial: AdminSignInState = { attempt: 0 }

export function AdminSignInForm({ source, words }: { source: string; words: SignInWords }) {
  const [result, action, pending] = useActionState(adminSignInAction, initial)
  return (
    // Remounted after each failed attempt so the typed email comes back (React resets the form).
    <form action={action} key={result.attempt} className="space-y-4">
      <input type="hidden" name="source" value={source} />
      <EmailPasswordFields email={result.email} message={result.message} pending={pending} words={words} />
    </form>
  )
}
