import { getTranslations } from 'next-intl/server'
import { appLoginUrl } from '@/lib/sources/session'
import type { SourceOfType } from '@/lib/sources/config'
import { buttonSecondary } from './ui'

/**
 * "Sign in with <company app>", coming back to `returnTo`, with a notice when the app did not
 * answer just now: the login page's and the admin sign-in's way into a `session` source.
 */
export async function AppSignInLink({ source, returnTo, failed }: { source: SourceOfType<'session'>; returnTo: string; failed: boolean }) {
  const t = await getTranslations('login')
  return (
    <div>
      <a href={appLoginUrl(source, returnTo)} className={buttonSecondary}>
        {t('signInWith', { source: source.name })}
      </a>
      {failed ? (
        <p data-testid="source-notice" className="mt-1 text-xs text-amber-800">
          {t('sourceNotice', { source: source.name })}
        </p>
      ) : null}
    </div>
  )
}
