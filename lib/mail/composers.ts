import 'server-only'
import type { MailComposers } from './compose'
import { composeInvitation } from './invitation-mail'
import { composeSignInAlert } from './sign-in-alert'
import { composeVerifyEmail } from './verify-email'

// Each kind of message and the module that writes it.
export const MAIL_COMPOSERS: MailComposers = {
  verify_email: composeVerifyEmail,
  invitation: composeInvitation,
  sign_in_alert: composeSignInAlert,
}
