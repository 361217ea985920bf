import type { Metadata } from 'next'
import { getTranslations } from 'next-intl/server'
import { Heading } from '../../ui'
import { Card } from '../../card'

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations('pages')
  return { title: t('adminUnavailable.title') }
}

// Answers 503 (set in proxy.ts). Shows nothing from the ledger, so it needs no admin check.
export default async function AdminUnavailablePage() {
  const t = await getTranslations('pages')
  return (
    <Card>
      <Heading>{t('adminUnavailable.heading')}</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600" data-testid="admin-unavailable">
        {t('adminUnavailable.body')}
      </p>
      <a href="/admin" className="mt-6 inline-block text-sm font-medium text-slate-900 underline underline-offset-4">
        {t('adminUnavailable.tryAgain')}
      </a>
    </Card>
  )
}
