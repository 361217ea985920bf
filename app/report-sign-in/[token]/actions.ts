'use server'

import { reportSignIn } from '@/lib/mail/sign-in-alert'
import { emailLinkAction } from '../../email-link-action'
import type { EmailLinkState } from '../../email-link-form'

/** "This wasn't me" (the link used in one transaction with ending the sessions and marking the ledger entry). */
export async function reportSignInAction(previous: EmailLinkState, form: FormData): Promise<EmailLinkState> {
  return emailLinkAction(previous, form, {
    page: '/report-sign-in',
    words: 'alerts.page',
    use: reportSignIn,
    logged: { event: 'sign_in_reported' },
  })
}
