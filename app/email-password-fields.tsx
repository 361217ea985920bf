import { buttonPrimary } from './ui'

// The email and password fields, the form's message and its button, shared by the login page and
// the admin sign-in. The email comes back after a failed attempt; focus goes where typing resumes.

const inputClass =
  'mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-xs focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

export function EmailPasswordFields({
  email,
  message,
  pending,
  passkeyAutofill = false,
}: {
  email?: string
  message?: string
  pending: boolean
  /** The login page with the local directory: the browser may offer passkeys in the email field's suggestions. */
  passkeyAutofill?: boolean
}) {
  return (
    <>
      <div>
        <label htmlFor="email" className="block text-sm font-medium text-slate-800">
          Email
        </label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete={passkeyAutofill ? 'username webauthn' : 'username'}
          required
          defaultValue={email}
          autoFocus={!email}
          className={inputClass}
        />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium text-slate-800">
          Password
        </label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          autoFocus={Boolean(email)}
          className={inputClass}
        />
      </div>
      <p aria-live="polite" data-testid="form-message" className="min-h-5 text-sm text-red-700">
        {message}
      </p>
      <button type="submit" className={buttonPrimary} disabled={pending}>
        Sign in
      </button>
    </>
  )
}
