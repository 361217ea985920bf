'use client'

import { useActionState } from 'react'
import { buttonPrimary, FormMessage } from '../../ui'
import { forgotPasswordAction, type ForgotState } from './actions'
import type { LoginRequestParams } from '@/lib/login/request'

const initial: ForgotState = { attempt: 0 }

const inputClass =
  'mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-xs focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

/** The form's words, in the page's language (the page translates them). */
export interface ForgotWords {
  email: string
  submit: string
  back: string
}

export function ForgotPasswordForm({ login, words }: { login?: LoginRequestParams; words: ForgotWords }) {
  const [state, action, pending] = useActionState(forgotPasswordAction, initial)
  if (state.sent) {
    return (
      <div aria-live="polite" className="mt-4 space-y-4">
        <p data-testid="reset-sent" className="text-sm leading-6 text-slate-800">
          {state.sent.text}
        </p>
        {state.sent.back ? (
          <a href={state.sent.back} className="text-sm font-medium text-slate-700 underline underline-offset-4">
            {words.back}
          </a>
        ) : null}
      </div>
    )
  }
  const tied = state.message && state.invalid ? { 'aria-invalid': true, 'aria-describedby': 'forgot-message' } : {}
  return (
    // Remounted after each attempt, so the typed address comes back as the default value. The
    // server checks the address (noValidate), so a malformed one is named in the page's language.
    <form action={action} key={state.attempt} className="mt-6 space-y-4" noValidate>
      {login ? (
        <>
          <input type="hidden" name="login_request_id" value={login.loginRequestId} />
          <input type="hidden" name="state" value={login.state} />
          {login.server ? <input type="hidden" name="server" value={login.server} /> : null}
        </>
      ) : null}
      <div>
        <label htmlFor="email" className="block text-sm font-medium text-slate-800">
          {words.email}
        </label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          defaultValue={state.email}
          className={inputClass}
          {...tied}
        />
      </div>
      <FormMessage id="forgot-message" message={state.message} />
      <button type="submit" className={buttonPrimary} disabled={pending}>
        {words.submit}
      </button>
    </form>
  )
}
