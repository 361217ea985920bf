import { headers } from 'next/headers'
import { getLocale, getTranslations } from 'next-intl/server'
import { LOCALE_NAMES, LOCALE_PARAM, LOCALES, PAGE_ADDRESS_HEADER, isLocale } from '@/lib/i18n/locales'

/** The same page in another language: its address with `lang` set (ui_locales dropped, the menu's choice wins). */
function addressIn(current: string, locale: string): string {
  const url = new URL(current, 'http://page.invalid')
  url.searchParams.delete('ui_locales')
  url.searchParams.set(LOCALE_PARAM, locale)
  return `${url.pathname}${url.search}`
}

/**
 * The language menu: a disclosure of plain links, so it works without JavaScript and keeps the
 * login request in the address (proxy.ts remembers the choice for the pages that follow).
 */
export async function LanguageMenu() {
  const t = await getTranslations('common')
  const current = await getLocale()
  const page = (await headers()).get(PAGE_ADDRESS_HEADER) || '/'
  const currentName = isLocale(current) ? LOCALE_NAMES[current] : current
  return (
    <nav aria-label={t('language.label')} className="text-sm">
      <details className="group">
        <summary
          data-testid="language-menu"
          className="cursor-pointer rounded-md px-1 py-0.5 text-slate-700 underline-offset-4 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
        >
          {t('language.current', { language: currentName })}
        </summary>
        <ul className="mt-2 flex flex-wrap gap-x-3 gap-y-1">
          {LOCALES.map((locale) => (
            <li key={locale}>
              <a
                href={addressIn(page, locale)}
                hrefLang={locale}
                lang={locale}
                aria-current={locale === current ? 'true' : undefined}
                className="inline-block rounded px-1 py-0.5 text-slate-800 underline underline-offset-4 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900 aria-[current=true]:font-semibold aria-[current=true]:no-underline"
              >
                {LOCALE_NAMES[locale]}
              </a>
            </li>
          ))}
        </ul>
      </details>
    </nav>
  )
}
