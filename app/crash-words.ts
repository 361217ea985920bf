import { useSyncExternalStore } from 'react'
import en from '@/messages/en/crash.json'
import de from '@/messages/de/crash.json'
import fr from '@/messages/fr/crash.json'
import es from '@/messages/es/crash.json'
import ja from '@/messages/ja/crash.json'
import ptBR from '@/messages/pt-BR/crash.json'

// The words of the error pages (app/error.tsx, app/global-error.tsx). They are client components
// that render when a page failed, so they cannot ask next-intl: the six small crash.json files are
// bundled, and the language is picked in the browser (English on the server and while hydrating).

export type CrashWords = typeof en

const WORDS: Record<string, CrashWords> = { en, de, fr, es, ja, 'pt-BR': ptBR }

/** The first of these language tags the pages speak (`de-AT` finds de, `pt` finds pt-BR); English otherwise. */
export function crashLocale(tags: readonly string[]): string {
  const locales = Object.keys(WORDS)
  for (const tag of tags) {
    const exact = locales.find((locale) => locale.toLowerCase() === tag.toLowerCase())
    if (exact) return exact
    const language = tag.split('-')[0]!.toLowerCase()
    const same = locales.find((locale) => locale.split('-')[0]!.toLowerCase() === language)
    if (same) return same
  }
  return 'en'
}

const noSubscription = () => () => {}

/** The words in the first language of `tags` the pages speak, read after hydration (the server's render is English). */
export function useCrashWords(tags: () => readonly string[]): { locale: string; words: CrashWords } {
  const locale = useSyncExternalStore(
    noSubscription,
    () => crashLocale(tags()),
    () => 'en',
  )
  return { locale, words: WORDS[locale] ?? en }
}
