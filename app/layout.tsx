import type { Metadata } from 'next'
import { headers } from 'next/headers'
import { getLocale, getTranslations } from 'next-intl/server'
import { getEnv } from '@/lib/env'
import { CRASH_WORDS_ID, textDirection } from '@/lib/i18n/locales'
import './globals.css'

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations('common')
  const site = getEnv().brand.name ?? t('title.default')
  return {
    title: { default: site, template: `%s · ${site}` },
    description: t('description'),
    referrer: 'no-referrer',
    robots: { index: false, follow: false },
  }
}

/** BRAND_PRIMARY_COLOR for the primary buttons (globals.css names the variables), under this response's nonce. */
function BrandColors({ nonce }: { nonce: string | undefined }) {
  const primary = getEnv().brand.primary
  if (!primary) return null
  const css = `:root{--color-brand:${primary.color};--color-brand-hover:${primary.hover};--color-brand-text:${primary.text}}`
  return <style nonce={nonce}>{css}</style>
}

/** The error pages' words in the page's language, for app/error.tsx to read (no catalogue in the browser). */
async function CrashWordsData({ locale }: { locale: string }) {
  const t = await getTranslations('crash')
  const words = { locale, heading: t('heading'), message: t('message'), globalMessage: t('globalMessage'), tryAgain: t('tryAgain') }
  return <div hidden id={CRASH_WORDS_ID} data-words={JSON.stringify(words)} />
}

// Reading the request makes every page render per request, so each gets the nonce of its own CSP.
// The language is the one proxy.ts negotiated (lib/i18n/negotiate.ts); lang and dir follow it.
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const nonce = (await headers()).get('x-nonce') ?? undefined
  const locale = await getLocale()
  return (
    <html lang={locale} dir={textDirection(locale)}>
      <head>
        <BrandColors nonce={nonce} />
      </head>
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        {children}
        <CrashWordsData locale={locale} />
      </body>
    </html>
  )
}
