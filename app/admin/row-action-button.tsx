'use client'

import { useActionState } from 'react'

// A button acting on one row of an admin table (send a failed message again, redeliver a failed
// event), its outcome beside it.

export interface RowActionState {
  message?: string
  done?: string
  attempt: number
}

const initial: RowActionState = { attempt: 0 }

export function RowActionButton(props: {
  action: (previous: RowActionState, form: FormData) => Promise<RowActionState>
  /** The hidden fields naming the row. */
  fields: Record<string, string>
  label: string
  testId: string
}) {
  const [state, action, pending] = useActionState(props.action, initial)
  return (
    <form action={action} className="flex items-center gap-2">
      {Object.entries(props.fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-slate-900 px-2.5 py-1 text-xs font-medium text-white hover:bg-slate-700 disabled:opacity-60"
      >
        {props.label}
      </button>
      <span aria-live="polite" className="text-xs" data-testid={props.testId}>
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
