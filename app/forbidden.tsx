import { getTranslations } from 'next-intl/server'
import { Heading } from './ui'
import { Card } from './card'

export default async function Forbidden() {
  const t = await getTranslations('pages')
  return (
    <Card>
      <Heading>{t('forbidden.heading')}</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600" data-testid="forbidden">
        {t('forbidden.body')}
      </p>
      <a href="/admin/sign-in" className="mt-6 inline-block text-sm font-medium text-slate-900 underline underline-offset-4">
        {t('forbidden.signInAgain')}
      </a>
    </Card>
  )
}
