import { getTranslations } from 'next-intl/server'
import type { AppSessionCheck } from '@/lib/sources/session'
import type { SourceOfType } from '@/lib/sources/config'
import { buttonPrimary } from '../../ui'
import { AppSignInLink } from '../../app-session-link'
import { adminAppSessionAction } from '../actions'

/**
 * The company app's session at the admin sign-in: "Continue as" when the app knows this browser
 * (asked again when it is clicked), its sign-in otherwise, which comes back to this page.
 */
export async function AdminAppSessionChoice({
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
    const t = await getTranslations('login')
    return (
      <form action={adminAppSessionAction}>
        <input type="hidden" name="source" value={source.id} />
        <button type="submit" className={buttonPrimary}>
          {t('continueAs', { person: profile.name || profile.email })}
        </button>
        <p className="mt-1 text-center text-xs text-slate-500">{t('signedInToSource', { source: source.name })}</p>
      </form>
    )
  }
  return <AppSignInLink source={source} returnTo={returnTo} failed={check.outcome === 'failed'} />
}
