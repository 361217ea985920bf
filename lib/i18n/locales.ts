// The languages the sign-in pages speak. Each has its message files in messages/{locale}/; the
// menu names each in its own language.

export const LOCALES = ['en', 'de', 'fr', 'es', 'ja', 'pt-BR'] as const
export type Locale = (typeof LOCALES)[number]

export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  ja: '日本語',
  'pt-BR': 'Português (Brasil)',
}

/** The request header proxy.ts sets to the negotiated locale; i18n/request.ts reads it. */
export const LOCALE_HEADER = 'x-bridge-locale'
/** The path and query of the page being rendered, for the language menu's links (set by proxy.ts). */
export const PAGE_ADDRESS_HEADER = 'x-bridge-page'
/** The hidden element the root layout fills with the error pages' words (app/crash-words.ts). */
export const CRASH_WORDS_ID = 'crash-words'
/** Remembers a language chosen in the menu (or asked for with ui_locales) for the next pages. */
export const LOCALE_COOKIE = 'bridge_locale'
/** The query parameter the language menu's links carry. */
export const LOCALE_PARAM = 'lang'

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

/** `rtl` for a script written right to left (from the runtime's CLDR data), else `ltr`. */
export function textDirection(locale: string): 'ltr' | 'rtl' {
  try {
    const tag = new Intl.Locale(locale) as Intl.Locale & {
      getTextInfo?: () => { direction?: string }
      textInfo?: { direction?: string }
    }
    const info = tag.getTextInfo?.() ?? tag.textInfo
    return info?.direction === 'rtl' ? 'rtl' : 'ltr'
  } catch {
    return 'ltr'
  }
}
