import 'server-only'
import type { Metadata } from 'next'
import { getTranslations } from 'next-intl/server'
import { notFound } from 'next/navigation'
import { isEmailLinkProblemCode } from '@/lib/mail/link-problems'
import { Heading } from './ui'
import { Card } from './card'

// Why a message's link does not work (410 used, expired or for an old address; 404 unknown; set
// by proxy.ts from lib/mail/link-problems.ts). Says nothing about whom the link was for.

type Namespace = 'addresses' | 'alerts'

export async function emailLinkProblemMetadata(namespace: Namespace, code: string): Promise<Metadata> {
  const t = await getTranslations()
  return {
    title: isEmailLinkProblemCode(code) ? t(`${namespace}.problems.${code}.title`) : t('pages.notFound.title'),
    robots: { index: false },
  }
}

export async function EmailLinkProblem({ namespace, code }: { namespace: Namespace; code: string }) {
  if (!isEmailLinkProblemCode(code)) notFound()
  const t = await getTranslations(namespace)
  return (
    <Card>
      <Heading>{t(`problems.${code}.title`)}</Heading>
      <p data-testid="link-problem" className="mt-3 text-sm leading-6 text-slate-700">
        {t(`problems.${code}.message`)}
      </p>
      <p className="mt-6 text-xs text-slate-500">
        {t.rich('reference', { code, ref: (chunks) => <code data-testid="problem-code">{chunks}</code> })}
      </p>
    </Card>
  )
}
