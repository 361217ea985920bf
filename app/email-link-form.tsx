'use client'

import { useActionState } from 'react'
import { buttonPrimary, FormMessage } from './ui'

// The one button of a page a message's link opens (/verify-email, /report-sign-in). The link
// itself changes nothing: mail scanners that open links before the person does must not use it up,
// so the change waits for this POST.

export interface EmailLinkState {
  message?: string
  /** The page's words once the link did what it is for. */
  done?: string
  attempt: number
}

type Action = (previous: EmailLinkState, form: FormData) => Promise<EmailLinkState>

const initial: EmailLinkState = { attempt: 0 }

export function EmailLinkForm({
  action,
  token,
  submit,
  children,
}: {
  action: Action
  token: string
  submit: string
  /** Shown below the done message (a next step). */
  children?: React.ReactNode
}) {
  const [state, formAction, pending] = useActionState(action, initial)
  if (state.done) {
    return (
      <div aria-live="polite" className="mt-4 space-y-3 text-sm leading-6">
        <p data-testid="link-done" className="text-emerald-800">
          {state.done}
        </p>
        {children}
      </div>
    )
  }
  return (
    <form action={formAction} key={state.attempt} className="mt-6 space-y-4">
      <input type="hidden" name="token" value={token} />
      <FormMessage id="link-message" message={state.message} />
      <button type="submit" className={buttonPrimary} disabled={pending}>
        {submit}
      </button>
    </form>
  )
}
