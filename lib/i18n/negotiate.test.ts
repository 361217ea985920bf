import { describe, expect, it } from 'vitest'
import { closestLocale, negotiateLocale } from './negotiate'
import { textDirection } from './locales'

describe('closestLocale', () => {
  it('finds a language from a region or a bare language, and nothing for a language the pages lack', () => {
    expect(closestLocale(['pt'])).toBe('pt-BR')
    expect(closestLocale(['pt-PT'])).toBe('pt-BR')
    expect(closestLocale(['en-GB'])).toBe('en')
    expect(closestLocale(['ja-JP'])).toBe('ja')
    expect(closestLocale(['zh-CN', 'zh'])).toBeUndefined()
    expect(closestLocale(['not a tag!'])).toBeUndefined()
  })
})

describe('negotiateLocale', () => {
  it('takes the menu, then ui_locales, then the cookie, then Accept-Language, then the default', () => {
    const all = { lang: 'fr', uiLocales: 'ja', cookie: 'es', acceptLanguage: 'de', fallback: 'en' as const }
    expect(negotiateLocale(all)).toEqual({ locale: 'fr', remember: true })
    expect(negotiateLocale({ ...all, lang: null })).toEqual({ locale: 'ja', remember: true })
    expect(negotiateLocale({ ...all, lang: null, uiLocales: null })).toEqual({ locale: 'es', remember: false })
    expect(negotiateLocale({ ...all, lang: null, uiLocales: null, cookie: null })).toEqual({ locale: 'de', remember: false })
    expect(negotiateLocale({ fallback: 'de' })).toEqual({ locale: 'de', remember: false })
  })

  it('skips what it cannot use: an unknown menu value, unknown ui_locales, a forged cookie', () => {
    expect(
      negotiateLocale({ lang: 'xx', uiLocales: 'zh-TW ko', cookie: '../etc', acceptLanguage: 'zh;q=1, es;q=0.5', fallback: 'en' }),
    ).toEqual({
      locale: 'es',
      remember: false,
    })
  })

  it('reads ui_locales in order and Accept-Language by its weights', () => {
    expect(negotiateLocale({ uiLocales: 'xx  pt-BR fr', fallback: 'en' }).locale).toBe('pt-BR')
    expect(negotiateLocale({ acceptLanguage: 'fr;q=0.2, ja;q=0.9', fallback: 'en' }).locale).toBe('ja')
  })
})

describe('textDirection', () => {
  it('is rtl for a right-to-left script and ltr for the pages languages', () => {
    expect(textDirection('ar')).toBe('rtl')
    expect(textDirection('he')).toBe('rtl')
    expect(textDirection('ja')).toBe('ltr')
    expect(textDirection('pt-BR')).toBe('ltr')
  })
})
