import { appLoginUrl, type AppSessionCheck } from '@/lib/sources/session'
import type { SourceOfType } from '@/lib/sources/config'
import { buttonPrimary, buttonSecondary } from '../../ui'
import { adminAppSessionAction } from '../actions'

/**
 * The company app's session at the admin sign-in: "Continue as" when the app knows this browser
 * (asked again when it is clicked), its sign-in otherwise, which comes back to this page.
 */
export function AdminAppSessionChoice({
  source,
  check,
  returnTo,
}: {
  source: SourceOfType<'session'>
  check: AppSessionCheck
  returnTo: string
}) {
  if (check.outcome === 'signed_in' && check.identity.ok) {
    const { profile } = check.identity
    return (
      <form action={adminAppSessionAction}>
        <input type="hidden" name="source" value={source.id} />
        <button type="submit" className={buttonPrimary}>
          Continue as {profile.name || profile.email}
        </button>
        <p className="mt-1 text-center text-xs text-slate-500">signed in to {source.name}</p>
      </form>
    )
  }
  return (
    <div>
      <a href={appLoginUrl(source, returnTo)} className={buttonSecondary}>
        Sign in with {source.name}
      </a>
      {check.outcome === 'failed' ? (
        <p data-testid="source-notice" className="mt-1 text-xs text-amber-800">
          {source.name} did not answer just now; if you are already signed in there, try reloading this page.
        </p>
      ) : null}
    </div>
  )
}
