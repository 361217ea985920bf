import type { Metadata } from 'next'
import { notFound } from 'next/navigation'
import { INVITATION_PROBLEMS, isInvitationProblemCode } from '@/lib/users/invitation-problems'
import { Heading } from '../../../ui'
import { Card } from '../../../card'

type Props = { params: Promise<{ code: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { code } = await params
  return { title: isInvitationProblemCode(code) ? INVITATION_PROBLEMS[code].title : 'Not found', robots: { index: false } }
}

// Why an invitation link does not work (410 used or expired, 404 unknown; set by proxy.ts from the
// same table). Says nothing about whom the link was for.
export default async function InvitationProblemPage({ params }: Props) {
  const { code } = await params
  if (!isInvitationProblemCode(code)) notFound()
  const info = INVITATION_PROBLEMS[code]
  return (
    <Card>
      <Heading>{info.title}</Heading>
      <p data-testid="invitation-problem" className="mt-3 text-sm leading-6 text-slate-700">
        {info.message}
      </p>
      <p className="mt-6 text-xs text-slate-500">
        Reference: <code data-testid="problem-code">{code}</code>
      </p>
    </Card>
  )
}
