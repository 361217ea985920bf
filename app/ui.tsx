// Small presentational pieces shared by the pages. Server components: no client JavaScript.

export function Heading({ children }: { children: React.ReactNode }) {
  return <h1 className="text-xl font-semibold tracking-tight text-slate-900">{children}</h1>
}

export const buttonPrimary =
  'inline-flex w-full items-center justify-center rounded-lg bg-brand px-4 py-2.5 text-sm font-medium text-brand-text hover:bg-brand-hover focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900 disabled:opacity-60'
export const buttonSecondary =
  'inline-flex w-full items-center justify-center rounded-lg border border-slate-300 bg-white px-4 py-2.5 text-sm font-medium text-slate-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900'
export const buttonQuiet =
  'inline-flex w-full items-center justify-center rounded-lg px-4 py-2 text-sm font-medium text-slate-600 underline-offset-4 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900'

/**
 * A form's message, announced. The forms remount after each attempt (to keep what was typed), so
 * the message arrives in a new element: role=alert makes screen readers read it, where a new live
 * region is often silent.
 */
export function FormMessage({ id, message }: { id: string; message?: string }) {
  return (
    <p id={id} role={message ? 'alert' : undefined} aria-live="polite" data-testid="form-message" className="min-h-5 text-sm text-red-700">
      {message}
    </p>
  )
}
