import 'server-only'
import type { MailComposers } from './compose'
import { composeInvitation } from './invitation-mail'
import { composePasswordReset } from './password-reset'
import { composeSignInAlert } from './sign-in-alert'
import { composeVerifyEmail } from './verify-email'

// Each kind of message and the module that writes it.
export const MAIL_COMPOSERS: MailComposers = {
  password_reset: composePasswordReset,
  verify_email: composeVerifyEmail,
  invitation: composeInvitation,
  sign_in_alert: composeSignInAlert,
}
