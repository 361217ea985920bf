'use client'

import { useActionState } from 'react'
import type { UserActionState } from './actions'

// The admin area's forms that change a user. Each shows its outcome beside it, and after a refusal
// gives back what was typed (the form is remounted with it: React resets a form after an action).

type Action = (previous: UserActionState, form: FormData) => Promise<UserActionState>

const initial: UserActionState = { attempt: 0 }

const field =
  'mt-1 block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 focus:border-slate-900 focus:outline-2 focus:outline-slate-900'
const button = 'rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60'
const dangerButton = 'rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-600 disabled:opacity-60'

function Outcome({ state, testId }: { state: UserActionState; testId: string }) {
  return (
    <div aria-live="polite" className="text-sm" data-testid={testId}>
      {state.message ? (
        <p role="alert" className="text-red-700">
          {state.message}
        </p>
      ) : null}
      {state.done ? <p className="text-emerald-800">{state.done}</p> : null}
      {state.link ? (
        <input
          readOnly
          aria-label="Invitation link"
          value={state.link}
          className={`${field} font-mono text-xs`}
          onFocus={(event) => event.currentTarget.select()}
        />
      ) : null}
    </div>
  )
}

/** One button acting on one user: disable, enable, reset factors, sign out everywhere, a new invitation. */
export function UserActionButton(props: {
  action: Action
  userId: string
  label: string
  danger?: boolean
  testId: string
  fields?: Record<string, string>
}) {
  const [state, action, pending] = useActionState(props.action, initial)
  return (
    <form action={action} className="space-y-2">
      <input type="hidden" name="user" value={props.userId} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button type="submit" disabled={pending} className={props.danger ? dangerButton : button}>
        {props.label}
      </button>
      <Outcome state={state} testId={props.testId} />
    </form>
  )
}

/** The user's groups or roles as one comma-separated line. */
export function NamesForm(props: { action: Action; userId: string; kind: 'groups' | 'roles'; current: string[] }) {
  const [state, action, pending] = useActionState(props.action, initial)
  const label = props.kind === 'groups' ? 'Groups' : 'Roles'
  const id = `names-${props.kind}`
  return (
    <form action={action} key={state.attempt} className="space-y-2">
      <input type="hidden" name="user" value={props.userId} />
      <input type="hidden" name="kind" value={props.kind} />
      <label htmlFor={id} className="text-xs font-medium text-slate-700">
        {label} (separated by commas)
      </label>
      <div className="flex gap-2">
        <input id={id} name="names" defaultValue={state.values?.names ?? props.current.join(', ')} className={field} />
        <button type="submit" disabled={pending} className={button}>
          Save {props.kind}
        </button>
      </div>
      <Outcome state={state} testId={`${props.kind}-outcome`} />
    </form>
  )
}

function TextField({ name, label, value, type = 'text' }: { name: string; label: string; value?: string; type?: string }) {
  return (
    <div>
      <label htmlFor={`invite-${name}`} className="text-xs font-medium text-slate-700">
        {label}
      </label>
      <input id={`invite-${name}`} name={name} type={type} defaultValue={value} className={field} />
    </div>
  )
}

/** Adds a person by invitation: the link goes by email, or is shown once, here; they set their own password with it. */
export function InviteForm({ action, mailOn }: { action: Action; mailOn: boolean }) {
  const [state, formAction, pending] = useActionState(action, initial)
  const values = state.message ? state.values : undefined
  const byEmail = values ? values.byEmail === 'on' : true
  return (
    <form action={formAction} key={state.attempt} className="space-y-3 rounded-xl border border-slate-200 bg-white p-4">
      <div className="grid gap-3 md:grid-cols-2">
        <TextField name="email" label="Email" type="email" value={values?.email} />
        <TextField name="name" label="Name" value={values?.name} />
        <TextField name="groups" label="Groups (separated by commas)" value={values?.groups} />
        <TextField name="roles" label="Roles (separated by commas)" value={values?.roles} />
      </div>
      <label className="flex items-center gap-2 text-sm text-slate-800">
        <input type="checkbox" name="admin" defaultChecked={values?.admin === 'on'} />
        Administrator
      </label>
      {mailOn ? (
        <label className="flex items-center gap-2 text-sm text-slate-800">
          <input type="checkbox" name="byEmail" defaultChecked={byEmail} />
          Send the invitation link by email
        </label>
      ) : null}
      <button type="submit" disabled={pending} className={button}>
        Add and create an invitation link
      </button>
      <Outcome state={state} testId="invite-outcome" />
    </form>
  )
}
