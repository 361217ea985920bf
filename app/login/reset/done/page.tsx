import type { Metadata } from 'next'
import Link from 'next/link'
import { getTranslations } from 'next-intl/server'
import { Heading } from '../../../ui'
import { Card } from '../../../card'

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('reset.done'))('title'), robots: { index: false } }
}

/** After a reset with no login request to return to: the password changed, every session ended. */
export default async function PasswordChangedPage() {
  const t = await getTranslations('reset.done')
  return (
    <Card>
      <Heading>{t('title')}</Heading>
      <p data-testid="password-changed" className="mt-3 text-sm leading-6 text-slate-700">
        {t('message')}
      </p>
      <Link href="/account" className="mt-6 inline-block text-sm font-medium text-slate-700 underline underline-offset-4">
        {t('account')}
      </Link>
    </Card>
  )
}
