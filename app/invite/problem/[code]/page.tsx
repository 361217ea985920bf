import type { Metadata } from 'next'
import { getTranslations } from 'next-intl/server'
import { notFound } from 'next/navigation'
import { isInvitationProblemCode } from '@/lib/users/invitation-problems'
import { Heading } from '../../../ui'
import { Card } from '../../../card'

type Props = { params: Promise<{ code: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { code } = await params
  const t = await getTranslations()
  return { title: isInvitationProblemCode(code) ? t(`invite.problems.${code}.title`) : t('pages.notFound.title'), robots: { index: false } }
}

// Why an invitation link does not work (410 used or expired, 404 unknown; set by proxy.ts from the
// same table). Says nothing about whom the link was for.
export default async function InvitationProblemPage({ params }: Props) {
  const { code } = await params
  if (!isInvitationProblemCode(code)) notFound()
  const t = await getTranslations('invite')
  return (
    <Card>
      <Heading>{t(`problems.${code}.title`)}</Heading>
      <p data-testid="invitation-problem" className="mt-3 text-sm leading-6 text-slate-700">
        {t(`problems.${code}.message`)}
      </p>
      <p className="mt-6 text-xs text-slate-500">
        {t.rich('reference', { code, ref: (chunks) => <code data-testid="problem-code">{chunks}</code> })}
      </p>
    </Card>
  )
}
