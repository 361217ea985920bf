import type { Metadata } from 'next'
import { EmailLinkProblem, emailLinkProblemMetadata } from '../../../email-link-problem'

type Props = { params: Promise<{ code: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return emailLinkProblemMetadata('/verify-email', (await params).code)
}

/** /verify-email/problem/{code}: why a verification link does not work. */
export default async function VerifyEmailProblemPage({ params }: Props) {
  return <EmailLinkProblem page="/verify-email" code={(await params).code} />
}
