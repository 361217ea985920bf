import { getTranslations } from 'next-intl/server'
import { Heading } from '../ui'
import { Card } from '../card'

export default async function LoginNotFound() {
  const t = await getTranslations('login.notFound')
  return (
    <Card>
      <Heading>{t('title')}</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600">{t('message')}</p>
    </Card>
  )
}
