import type { Metadata } from 'next'
import { notFound } from 'next/navigation'
import { ADMIN_SIGN_IN_PATH } from '@/lib/admin/access'
import { ADMIN_PROBLEMS, isAdminProblemCode } from '@/lib/admin/problems'
import { Heading, buttonPrimary } from '../../../ui'
import { Card } from '../../../card'

type Props = { params: Promise<{ code: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { code } = await params
  return { title: isAdminProblemCode(code) ? ADMIN_PROBLEMS[code].title : 'Not found' }
}

// Why a sign-in at the admin area ended without an admin session. Its HTTP status (403, 502,
// 503...) is set by proxy.ts from the same table. Shows nothing from the ledger, so it needs no
// admin check.
export default async function AdminProblemPage({ params }: Props) {
  const { code } = await params
  if (!isAdminProblemCode(code)) notFound()
  const info = ADMIN_PROBLEMS[code]
  return (
    <Card>
      <Heading>{info.title}</Heading>
      <p data-testid={code === 'not_admin' ? 'forbidden' : 'problem-message'} className="mt-3 text-sm leading-6 text-slate-700">
        {info.message}
      </p>
      <a href={ADMIN_SIGN_IN_PATH} className={`mt-6 ${buttonPrimary}`}>
        {code === 'not_admin' ? 'Sign in with another account' : 'Try again'}
      </a>
      <p className="mt-6 text-xs text-slate-500">
        Reference: <code data-testid="problem-code">{code}</code>
      </p>
    </Card>
  )
}
