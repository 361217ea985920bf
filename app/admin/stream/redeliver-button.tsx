'use client'

import { useActionState } from 'react'
import { redeliverAction, type RedeliverState } from './actions'

const initial: RedeliverState = { attempt: 0 }

/** Redeliver one failed delivery, its outcome beside the button. */
export function RedeliverButton({ receiver, eventId }: { receiver: string; eventId: string }) {
  const [state, action, pending] = useActionState(redeliverAction, initial)
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="receiver" value={receiver} />
      <input type="hidden" name="event" value={eventId} />
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-slate-900 px-2.5 py-1 text-xs font-medium text-white hover:bg-slate-700 disabled:opacity-60"
      >
        Redeliver
      </button>
      <span aria-live="polite" className="text-xs" data-testid="redeliver-outcome">
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
