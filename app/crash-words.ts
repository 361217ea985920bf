import { useMemo, useSyncExternalStore } from 'react'
import en from '@/messages/en/crash.json'
import { CRASH_WORDS_ID } from '@/lib/i18n/locales'

// The words of the error pages (app/error.tsx, app/global-error.tsx). They are client components
// that render when a page failed, so they cannot ask next-intl, and no message catalogue is
// shipped to the browser: the root layout renders the page's words in its language (MESSAGES_DIR
// included) into a hidden element, which these pages read. English when it is missing (the root
// layout itself failed) and while hydrating.

export type CrashWords = typeof en

const noSubscription = () => () => {}

export function useCrashWords(): { locale: string; words: CrashWords } {
  const found = useSyncExternalStore(
    noSubscription,
    () => document.getElementById(CRASH_WORDS_ID)?.dataset.words ?? '',
    () => '',
  )
  return useMemo(() => {
    if (!found) return { locale: 'en', words: en }
    const { locale, ...words } = JSON.parse(found) as CrashWords & { locale: string }
    return { locale, words: { ...en, ...words } }
  }, [found])
}
