'use client'

import { useActionState } from 'react'
import { adminSignInAction, type AdminSignInState } from '../actions'
import { buttonPrimary } from '../../ui'

const initial: AdminSignInState = { attempt: 0 }

const inputClass =
  'mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-xs focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

export function AdminSignInForm({ source }: { source: string }) {
  const [result, action, pending] = useActionState(adminSignInAction, initial)
  return (
    // Remounted after each failed attempt so the typed email comes back (React resets the form).
    <form action={action} key={result.attempt} className="space-y-4">
      <input type="hidden" name="source" value={source} />
      <div>
        <label htmlFor="email" className="block text-sm font-medium text-slate-800">
          Email
        </label>
        <input id="email" name="email" type="email" autoComplete="username" required defaultValue={result.email} className={inputClass} />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium text-slate-800">
          Password
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required className={inputClass} />
      </div>
      <p aria-live="polite" data-testid="form-message" className="min-h-5 text-sm text-red-700">
        {result.message}
      </p>
      <button type="submit" className={buttonPrimary} disabled={pending}>
        Sign in
      </button>
    </form>
  )
}
