import { buttonPrimary, FormMessage } from './ui'

// The email and password fields, the form's message and its button, shared by the login page,
// /account and the admin sign-in. The email comes back after a failed attempt; focus goes where
// typing resumes. A client form's child: its words come as props (see app/login/words.ts).

const inputClass =
  'mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-xs focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

/** The form's words, in the page's language. */
export interface SignInWords {
  email: string
  password: string
  submit: string
}

/** The message's element: announced when it changes, and named by the fields it is about. */
const MESSAGE_ID = 'sign-in-message'

export function EmailPasswordFields({
  email,
  message,
  invalid = Boolean(message),
  pending,
  passkeyAutofill = false,
  words,
}: {
  email?: string
  message?: string
  /** The message is about what was typed (a wrong password, an empty field), not a wait or an outage. */
  invalid?: boolean
  pending: boolean
  /** The login page with the local directory: the browser may offer passkeys in the email field's suggestions. */
  passkeyAutofill?: boolean
  words: SignInWords
}) {
  const fault = message && invalid ? ({ 'aria-invalid': true, 'aria-describedby': MESSAGE_ID } as const) : {}
  return (
    <>
      <div>
        <label htmlFor="email" className="block text-sm font-medium text-slate-800">
          {words.email}
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
          {...fault}
        />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium text-slate-800">
          {words.password}
        </label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          autoFocus={Boolean(email)}
          className={inputClass}
          {...fault}
        />
      </div>
      <FormMessage id={MESSAGE_ID} message={message} />
      <button type="submit" className={buttonPrimary} disabled={pending}>
        {words.submit}
      </button>
    </>
  )
}
