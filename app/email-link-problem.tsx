import 'server-only'
import type { Metadata } from 'next'
import Link from 'next/link'
import { getTranslations } from 'next-intl/server'
import { notFound } from 'next/navigation'
import { EMAIL_LINK_PAGES, isEmailLinkProblemCode, type EmailLinkPage } from '@/lib/mail/link-problems'
import { Heading } from './ui'
import { Card } from './card'

// Why a message's link does not work (410 used, expired or for an old address; 404 unknown; set
// by proxy.ts from lib/mail/link-problems.ts), and where to ask for a new one where that exists.
// Says nothing about whom the link was for.

export async function emailLinkProblemMetadata(page: EmailLinkPage, code: string): Promise<Metadata> {
  const t = await getTranslations()
  const { namespace } = EMAIL_LINK_PAGES[page]
  return {
    title: isEmailLinkProblemCode(page, code) ? t(`${namespace}.problems.${code}.title`) : t('pages.notFound.title'),
    robots: { index: false },
  }
}

export async function EmailLinkProblem({ page, code }: { page: EmailLinkPage; code: string }) {
  if (!isEmailLinkProblemCode(page, code)) notFound()
  const entry: { namespace: string; again?: string } = EMAIL_LINK_PAGES[page]
  const t = await getTranslations(entry.namespace)
  return (
    <Card>
      <Heading>{t(`problems.${code}.title`)}</Heading>
      <p data-testid="link-problem" className="mt-3 text-sm leading-6 text-slate-700">
        {t(`problems.${code}.message`)}
      </p>
      {entry.again ? (
        <Link href={entry.again} className="mt-6 inline-block text-sm font-medium text-slate-700 underline underline-offset-4">
          {t('again')}
        </Link>
      ) : null}
      <p className="mt-6 text-xs text-slate-500">
        {t.rich('reference', { code, ref: (chunks) => <code data-testid="problem-code">{chunks}</code> })}
      </p>
    </Card>
  )
}
