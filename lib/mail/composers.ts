import 'server-only'
import type { MailComposers } from './compose'

// Each kind of message and the module that writes it.
export const MAIL_COMPOSERS: MailComposers = {}
