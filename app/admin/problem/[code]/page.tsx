import type { Metadata } from 'next'
import { getTranslations } from 'next-intl/server'
import { notFound } from 'next/navigation'
import { ADMIN_SIGN_IN_PATH } from '@/lib/admin/access'
import { isAdminProblemCode } from '@/lib/admin/problems'
import { Heading, buttonPrimary } from '../../../ui'
import { Card } from '../../../card'

type Props = { params: Promise<{ code: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { code } = await params
  const t = await getTranslations('pages')
  return { title: isAdminProblemCode(code) ? t(`adminProblem.${code}.title`) : t('notFound.title') }
}

// Why a sign-in at the admin area ended without an admin session. Its HTTP status (403, 502,
// 503...) is set by proxy.ts from the same table. Shows nothing from the ledger, so it needs no
// admin check.
export default async function AdminProblemPage({ params }: Props) {
  const { code } = await params
  if (!isAdminProblemCode(code)) notFound()
  const t = await getTranslations('pages')
  return (
    <Card>
      <Heading>{t(`adminProblem.${code}.title`)}</Heading>
      <p data-testid={code === 'not_admin' ? 'forbidden' : 'problem-message'} className="mt-3 text-sm leading-6 text-slate-700">
        {t(`adminProblem.${code}.message`)}
      </p>
      <a href={ADMIN_SIGN_IN_PATH} className={`mt-6 ${buttonPrimary}`}>
        {code === 'not_admin' ? t('adminProblem.signInAgain') : t('adminProblem.tryAgain')}
      </a>
      <p className="mt-6 text-xs text-slate-500">
        {t.rich('adminProblem.reference', { code, ref: (chunks) => <code data-testid="problem-code">{chunks}</code> })}
      </p>
    </Card>
  )
}
