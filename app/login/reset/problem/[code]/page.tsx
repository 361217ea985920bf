import type { Metadata } from 'next'
import { EmailLinkProblem, emailLinkProblemMetadata } from '../../../../email-link-problem'

type Props = { params: Promise<{ code: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return emailLinkProblemMetadata('/login/reset', (await params).code)
}

/** /login/reset/problem/{code}: why a reset link does not work, and where to ask for a new one. */
export default async function ResetProblemPage({ params }: Props) {
  return <EmailLinkProblem page="/login/reset" code={(await params).code} />
}
