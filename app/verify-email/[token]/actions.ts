'use server'

import { verifyAddress } from '@/lib/mail/verify-email'
import { emailLinkAction } from '../../email-link-action'
import type { EmailLinkState } from '../../email-link-form'

/** Verifies the address the link was sent to (the link used in one transaction with the flag). */
export async function verifyEmailAction(previous: EmailLinkState, form: FormData): Promise<EmailLinkState> {
  return emailLinkAction(previous, form, {
    page: '/verify-email',
    words: 'addresses',
    use: verifyAddress,
    logged: { event: 'email_verified', fields: { via: 'link' } },
  })
}
