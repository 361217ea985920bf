'use client'

import { useActionState } from 'react'
import { buttonPrimary, FormMessage } from '../../ui'
import { setPasswordAction, type SetPasswordState } from './actions'

const initial: SetPasswordState = { attempt: 0 }

const inputClass =
  'mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-xs focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

/** The form's labels, in the page's language (the page translates them; this component imports no messages). */
export interface SetPasswordWords {
  newPassword: string
  confirmation: string
  submit: string
}

export function SetPasswordForm({ token, email, words }: { token: string; email: string; words: SetPasswordWords }) {
  const [state, action, pending] = useActionState(setPasswordAction, initial)
  if (state.done) {
    return (
      <p data-testid="password-set" aria-live="polite" className="mt-4 text-sm leading-6 text-emerald-800">
        {state.done}
      </p>
    )
  }
  // The message, announced and tied to both fields while it is shown.
  const tied = state.message ? { 'aria-invalid': true, 'aria-describedby': 'invite-message' } : {}
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
      <FormMessage id="invite-message" message={state.message} />
      <button type="submit" className={buttonPrimary} disabled={pending}>
        {words.submit}
      </button>
    </form>
  )
}
