import { match } from '@formatjs/intl-localematcher'
import Negotiator from 'negotiator'
import { LOCALES, isLocale, type Locale } from './locales'

// Which language a page speaks, in this order: the language menu's choice (`lang`), the
// `ui_locales` Scalekit passes on (OIDC: space-separated, most preferred first), the language
// remembered in the cookie, the browser's Accept-Language, and DEFAULT_LOCALE.

export interface LocaleInputs {
  lang?: string | null
  uiLocales?: string | null
  cookie?: string | null
  acceptLanguage?: string | null
  fallback: Locale
}

export interface NegotiatedLocale {
  locale: Locale
  /** The page asked for it explicitly (`lang` or `ui_locales`): remember it for the next pages. */
  remember: boolean
}

/** The supported locale closest to a list of BCP 47 tags (`pt` finds pt-BR, `en-GB` finds en); undefined when none is. */
export function closestLocale(requested: string[]): Locale | undefined {
  const tags = requested.flatMap((tag) => {
    try {
      return [Intl.getCanonicalLocales(tag)[0]!]
    } catch {
      return []
    }
  })
  if (tags.length === 0) return undefined
  const found = match(tags, [...LOCALES], '-', { algorithm: 'best fit' })
  return isLocale(found) ? found : undefined
}

export function negotiateLocale(inputs: LocaleInputs): NegotiatedLocale {
  const chosen = inputs.lang ? closestLocale([inputs.lang]) : undefined
  if (chosen) return { locale: chosen, remember: true }
  const asked = inputs.uiLocales ? closestLocale(inputs.uiLocales.trim().split(/\s+/).slice(0, 10)) : undefined
  if (asked) return { locale: asked, remember: true }
  if (isLocale(inputs.cookie)) return { locale: inputs.cookie, remember: false }
  const browser = inputs.acceptLanguage
    ? closestLocale(new Negotiator({ headers: { 'accept-language': inputs.acceptLanguage.slice(0, 500) } }).languages().slice(0, 10))
    : undefined
  return { locale: browser ?? inputs.fallback, remember: false }
}
