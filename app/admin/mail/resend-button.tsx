'use client'

import { useActionState } from 'react'
import { resendMailAction, type ResendState } from './actions'

const initial: ResendState = { attempt: 0 }

/** Send one failed message again, its outcome beside the button. */
export function ResendButton({ id }: { id: string }) {
  const [state, action, pending] = useActionState(resendMailAction, initial)
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="message" value={id} />
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-slate-900 px-2.5 py-1 text-xs font-medium text-white hover:bg-slate-700 disabled:opacity-60"
      >
        Send again
      </button>
      <span aria-live="polite" className="text-xs" data-testid="resend-outcome">
        {state.message ? (
          <span role="alert" className="text-red-700">
            {state.message}
          </span>
        ) : null}
        {state.done ? <span className="text-emerald-800">{state.done}</span> : null}
      </span>
    </form>
  )
}
