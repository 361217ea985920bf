'use client'

import { useActionState } from 'react'
import { buttonPrimary, FormMessage } from '../../../ui'
import { resetPasswordAction, type ResetState } from './actions'

const initial: ResetState = { attempt: 0 }

const inputClass =
  'mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-xs focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

/** The form's labels, in the page's language (the page translates them). */
export interface ResetWords {
  newPassword: string
  confirmation: string
  submit: string
}

export function ResetPasswordForm({ token, email, words }: { token: string; email: string; words: ResetWords }) {
  const [state, action, pending] = useActionState(resetPasswordAction, initial)
  // The message, announced and tied to both fields while it is shown; no password comes back.
  const tied = state.message ? { 'aria-invalid': true, 'aria-describedby': 'reset-message' } : {}
  return (
    <form action={action} key={state.attempt} className="mt-6 space-y-4">
      <input type="hidden" name="token" value={token} />
      {/* For password managers: the account the new password belongs to. */}
      <input type="hidden" name="username" autoComplete="username" value={email} />
      <div>
        <label htmlFor="password" className="block text-sm font-medium text-slate-800">
          {words.newPassword}
        </label>
        <input id="password" name="password" type="password" autoComplete="new-password" required className={inputClass} {...tied} />
      </div>
      <div>
        <label htmlFor="confirmation" className="block text-sm font-medium text-slate-800">
          {words.confirmation}
        </label>
        <input
          id="confirmation"
          name="confirmation"
          type="password"
          autoComplete="new-password"
          required
          className={inputClass}
          {...tied}
        />
      </div>
      <FormMessage id="reset-message" message={state.message} />
      <button type="submit" className={buttonPrimary} disabled={pending}>
        {words.submit}
      </button>
    </form>
  )
}
