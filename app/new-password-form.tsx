'use client'

import { useActionState } from 'react'
import { buttonPrimary, FormMessage } from './ui'

// Choosing a password from a link: an invitation (/invite/{token}) or a reset (/login/reset/{token}).
// The page translates the labels (this component imports no messages); the action checks the link
// again and answers with a message (no password comes back), or with the page's words once done.

export interface NewPasswordState {
  message?: string
  /** The page's words once the password is set, where the action does not move on to another page. */
  done?: string
  attempt: number
}

export interface NewPasswordWords {
  newPassword: string
  confirmation: string
  submit: string
}

const initial: NewPasswordState = { attempt: 0 }

const inputClass =
  'mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-xs focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

export function NewPasswordForm(props: {
  action: (previous: NewPasswordState, form: FormData) => Promise<NewPasswordState>
  token: string
  email: string
  words: NewPasswordWords
  /** The id of the form's message (`invite-message`, `reset-message`). */
  messageId: string
}) {
  const [state, action, pending] = useActionState(props.action, initial)
  if (state.done) {
    return (
      <p data-testid="password-set" aria-live="polite" className="mt-4 text-sm leading-6 text-emerald-800">
        {state.done}
      </p>
    )
  }
  // The message, announced and tied to both fields while it is shown.
  const tied = state.message ? { 'aria-invalid': true, 'aria-describedby': props.messageId } : {}
  return (
    <form action={action} key={state.attempt} className="mt-6 space-y-4">
      <input type="hidden" name="token" value={props.token} />
      {/* For password managers: the account the new password belongs to. */}
      <input type="hidden" name="username" autoComplete="username" value={props.email} />
      <div>
        <label htmlFor="password" className="block text-sm font-medium text-slate-800">
          {props.words.newPassword}
        </label>
        <input id="password" name="password" type="password" autoComplete="new-password" required className={inputClass} {...tied} />
      </div>
      <div>
        <label htmlFor="confirmation" className="block text-sm font-medium text-slate-800">
          {props.words.confirmation}
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
      <FormMessage id={props.messageId} message={state.message} />
      <button type="submit" className={buttonPrimary} disabled={pending}>
        {props.words.submit}
      </button>
    </form>
  )
}
