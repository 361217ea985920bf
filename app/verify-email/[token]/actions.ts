'use server'

import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getTranslations } from 'next-intl/server'
import { z } from 'zod'
import { getDb } from '@/lib/db/client'
import { emailLinkProblemPath } from '@/lib/mail/link-problems'
import { verifyAddress } from '@/lib/mail/verify-email'
import { isOwnPagesPost } from '@/lib/server/cross-site'
import { logEvent } from '@/lib/server/log'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import type { EmailLinkState } from '../../email-link-form'

const VerifyForm = z.object({ token: z.string().max(100) })

/**
 * Verifies the address the link was sent to: a public endpoint, so it checks the origin as the
 * login forms do, and the link again (single use, in one transaction with the flag).
 */
export async function verifyEmailAction(previous: EmailLinkState, form: FormData): Promise<EmailLinkState> {
  const attempt = previous.attempt + 1
  const t = await getTranslations('addresses')
  const h = await headers()
  if (!isOwnPagesPost(h)) {
    return { message: t('crossSite'), attempt }
  }
  const input = VerifyForm.safeParse(Object.fromEntries(form))
  if (!input.success) redirect(emailLinkProblemPath('/verify-email', 'unknown'))
  const result = await verifyAddress(await getDb(), input.data.token, h.get(PEER_ADDRESS_HEADER) || null)
  if (!result.ok) redirect(emailLinkProblemPath('/verify-email', result.problem))
  logEvent('email_verified', { via: 'link' })
  return { done: t('done', { email: result.email }), attempt }
}
