import type { Metadata } from 'next'
import { EmailLinkProblem, emailLinkProblemMetadata } from '../../../email-link-problem'

type Props = { params: Promise<{ code: string }> }

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return emailLinkProblemMetadata('/report-sign-in', (await params).code)
}

/** /report-sign-in/problem/{code}: why a report link does not work. */
export default async function ReportSignInProblemPage({ params }: Props) {
  return <EmailLinkProblem page="/report-sign-in" code={(await params).code} />
}
