import type { Metadata } from 'next'
import { notFound } from 'next/navigation'
import { isProblemCode, PROBLEMS } from '@/lib/login/problems'
import { Heading } from '../../../ui'
import { Card } from '../../../card'
import { loginPath, loginRequestFrom } from '../../params'
import { DeniedView } from './denied-view'

type Props = {
  params: Promise<{ code: string }>
  searchParams: Promise<Record<string, string | string[] | undefined>>
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { code } = await params
  return { title: isProblemCode(code) ? PROBLEMS[code].title : 'Not found' }
}

// The HTTP status of this page (400, 409, 410, 503...) is set by proxy.ts from the same table.
export default async function ProblemPage({ params, searchParams }: Props) {
  const { code } = await params
  if (!isProblemCode(code)) notFound()
  const info = PROBLEMS[code]
  const query = await searchParams
  const retry = info.retryable ? loginRequestFrom(query.login_request_id, query.state, query.server) : null
  if (code === 'access_denied' && retry?.ok) return <DeniedView params={retry.params} />

  return (
    <Card>
      <Heading>{info.title}</Heading>
      <p data-testid="problem-message" className="mt-3 text-sm leading-6 text-slate-700">
        {info.message}
      </p>
      {retry?.ok ? (
        <a
          href={loginPath(retry.params)}
          className="mt-6 inline-flex w-full items-center justify-center rounded-lg bg-slate-900 px-4 py-2.5 text-sm font-medium text-white hover:bg-slate-700"
        >
          Try again
        </a>
      ) : null}
      <p className="mt-6 text-xs text-slate-500">
        Reference: <code data-testid="problem-code">{code}</code>
      </p>
    </Card>
  )
}
