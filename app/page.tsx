import type { Metadata } from 'next'
import { getTranslations } from 'next-intl/server'
import { Heading } from './ui'
import { Card } from './card'

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations('pages')
  return { title: t('home.title') }
}

export default async function HomePage() {
  const t = await getTranslations('pages')
  return (
    <Card>
      <Heading>{t('home.heading')}</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">{t('home.body')}</p>
    </Card>
  )
}
