'use server'

import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { z } from 'zod'
import { getDb } from '@/lib/db/client'
import { emailLinkProblemPath } from '@/lib/mail/link-problems'
import { reportSignIn } from '@/lib/mail/sign-in-alert'
import { isOwnPagesPost } from '@/lib/server/cross-site'
import { logEvent } from '@/lib/server/log'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import type { EmailLinkState } from '../../email-link-form'

const ReportForm = z.object({ token: z.string().max(100) })

/**
 * "This wasn't me": a public endpoint, so it checks the origin as the login forms do, and the link
 * again (single use, in one transaction with ending the sessions and marking the ledger entry).
 */
export async function reportSignInAction(previous: EmailLinkState, form: FormData): Promise<EmailLinkState> {
  const attempt = previous.attempt + 1
  const t = await getTranslations('alerts.page')
  const h = await headers()
  if (!isOwnPagesPost(h)) {
    return { message: t('crossSite'), attempt }
  }
  const input = ReportForm.safeParse(Object.fromEntries(form))
  if (!input.success) redirect(emailLinkProblemPath('/report-sign-in', 'unknown'))
  const result = await reportSignIn(await getDb(), input.data.token, h.get(PEER_ADDRESS_HEADER) || null)
  if (!result.ok) redirect(emailLinkProblemPath('/report-sign-in', result.problem))
  logEvent('sign_in_reported', {})
  return { done: t('done', { email: result.email }), attempt }
}
