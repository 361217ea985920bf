import { getTranslations } from 'next-intl/server'
import { Heading } from '../ui'
import { Card } from '../card'

export default async function LoginNotFound() {
  const t = await getTranslations('pages')
  return (
    <Card>
      <Heading>{t('notFound.heading')}</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">{t('notFound.login')}</p>
    </Card>
  )
}
