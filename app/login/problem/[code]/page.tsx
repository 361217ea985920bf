import type { Metadata } from 'next'
import { notFound } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { isProblemCode, PROBLEMS } from '@/lib/login/problems'
import { Heading, buttonPrimary } from '../../../ui'
import { Card } from '../../../card'
import { loginPath, loginRequestFrom } from '../../params'
import { DeniedView } from './denied-view'

type Props = {
  params: Promise<{ code: string }>
  searchParams: Promise<Record<string, string | string[] | undefined>>
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { code } = await params
  if (!isProblemCode(code)) return { title: (await getTranslations('pages'))('notFound.title') }
  return { title: (await getTranslations('problems'))(`${code}.title`) }
}

// The HTTP status of this page (400, 409, 410, 503...) is set by proxy.ts from the same table; its
// words are the `problems` messages of its code.
export default async function ProblemPage({ params, searchParams }: Props) {
  const { code } = await params
  if (!isProblemCode(code)) notFound()
  const info = PROBLEMS[code]
  const query = await searchParams
  const retry = info.retryable ? loginRequestFrom(query.login_request_id, query.state, query.server) : null
  if (code === 'access_denied' && retry?.ok) return <DeniedView params={retry.params} />
  const t = await getTranslations('problems')
  const tl = await getTranslations('login.problem')

  return (
    <Card>
      <Heading>{t(`${code}.title`)}</Heading>
      <p data-testid="problem-message" className="mt-3 text-sm leading-6 text-slate-700">
        {t(`${code}.message`)}
      </p>
      {retry?.ok ? (
        <a href={loginPath(retry.params)} className={`mt-6 ${buttonPrimary}`}>
          {tl('tryAgain')}
        </a>
      ) : null}
      <p className="mt-6 text-xs text-slate-500">
        {tl.rich('reference', { code, ref: (chunks) => <code data-testid="problem-code">{chunks}</code> })}
      </p>
    </Card>
  )
}
