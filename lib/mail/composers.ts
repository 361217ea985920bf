import 'server-only'
import type { MailComposers } from './compose'
import { composePasswordReset } from './password-reset'

// Each kind of message and the module that writes it.
export const MAIL_COMPOSERS: MailComposers = {
  password_reset: composePasswordReset,
}
