import 'server-only'
import { getTranslations } from 'next-intl/server'
import { getEnv } from '@/lib/env'
import { brandLogo } from '@/lib/brand/logo'
import { BrandLogo } from './brand-logo'
import { LanguageMenu } from './language-menu'

// The frame of the pages people see (sign-in, problems, account, invitations): server only.

/** A sign-in page's frame: the brand above, the page's card, its links and the language menu below. */
export async function Card({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col items-center justify-start px-4 py-10 sm:justify-center">
      <BrandMark />
      <main className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm wrap-break-word sm:p-8">{children}</main>
      <PageFooter />
    </div>
  )
}

/** The company's logo and name, when BRAND_LOGO or BRAND_NAME is set. */
async function BrandMark() {
  const brand = getEnv().brand
  const logo = await brandLogo(brand)
  if (!logo && !brand.name) return null
  return (
    <header data-testid="brand" className="mb-6 flex items-center gap-3">
      <BrandLogo className="h-10 w-auto max-w-[12rem] object-contain" />
      {brand.name ? <span className="text-lg font-semibold text-slate-900">{brand.name}</span> : null}
    </header>
  )
}

/** Help, privacy and terms links from the brand, and the language menu. */
async function PageFooter() {
  const brand = getEnv().brand
  const t = await getTranslations('common')
  const help = brand.supportUrl ?? (brand.supportEmail ? `mailto:${brand.supportEmail}` : undefined)
  const links = [
    help ? { href: help, label: t('footer.help'), id: 'support' } : null,
    brand.privacyUrl ? { href: brand.privacyUrl, label: t('footer.privacy'), id: 'privacy' } : null,
    brand.termsUrl ? { href: brand.termsUrl, label: t('footer.terms'), id: 'terms' } : null,
  ].filter((link) => link !== null)
  return (
    <footer className="mt-6 flex w-full max-w-md flex-col gap-3 text-sm text-slate-600 wrap-break-word">
      {links.length ? (
        <ul className="flex flex-wrap gap-x-4 gap-y-1">
          {links.map((link) => (
            <li key={link.id}>
              <a data-testid={`brand-${link.id}`} href={link.href} className={linkClass}>
                {link.label}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      <LanguageMenu />
    </footer>
  )
}

const linkClass =
  'rounded text-slate-700 underline underline-offset-4 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900'
