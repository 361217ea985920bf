import type { Metadata } from 'next'
import Link from 'next/link'
import { getTranslations } from 'next-intl/server'
import { notFound } from 'next/navigation'
import { isResetProblemCode } from '@/lib/users/reset-problems'
import { Heading } from '../../../../ui'
import { Card } from '../../../../card'

type Props = { params: Promise<{ code: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { code } = await params
  const t = await getTranslations()
  return { title: isResetProblemCode(code) ? t(`reset.problems.${code}.title`) : t('pages.notFound.title'), robots: { index: false } }
}

// Why a reset link does not work (410 used or expired, 404 unknown; set by proxy.ts from the same
// table), and where to ask for a new one. Says nothing about whom the link was for.
export default async function ResetProblemPage({ params }: Props) {
  const { code } = await params
  if (!isResetProblemCode(code)) notFound()
  const t = await getTranslations('reset.problems')
  return (
    <Card>
      <Heading>{t(`${code}.title`)}</Heading>
      <p data-testid="reset-problem" className="mt-3 text-sm leading-6 text-slate-700">
        {t(`${code}.message`)}
      </p>
      <Link href="/login/forgot" className="mt-6 inline-block text-sm font-medium text-slate-700 underline underline-offset-4">
        {t('again')}
      </Link>
      <p className="mt-6 text-xs text-slate-500">
        {t.rich('reference', { code, ref: (chunks) => <code data-testid="problem-code">{chunks}</code> })}
      </p>
    </Card>
  )
}
