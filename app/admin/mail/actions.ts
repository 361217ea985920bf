'use server'

import { refresh } from 'next/cache'
import { unstable_rethrow } from 'next/navigation'
import { requireAdminPost } from '@/lib/admin/access'
import { getDb } from '@/lib/db/client'
import { resendMail } from '@/lib/mail/status'
import { errorText, logEvent } from '@/lib/server/log'
import type { RowActionState } from '../row-action-button'

// Send a failed message again: a public endpoint like every server action, so it checks the origin
// and the admin itself; lib/mail/status.ts writes the change and its audit row together.

export async function resendMailAction(previous: RowActionState, form: FormData): Promise<RowActionState> {
  const by = await requireAdminPost()
  const attempt = previous.attempt + 1
  const value = form.get('message')
  const id = typeof value === 'string' ? value.slice(0, 64) : ''
  try {
    if (!(await resendMail(await getDb(), by, id)))
      return { message: 'This message is no longer failed: it was queued again already.', attempt }
    logEvent('mail_resend', { mailId: id })
    refresh()
    return { done: 'Queued to be sent again.', attempt }
  } catch (error) {
    unstable_rethrow(error)
    logEvent('admin_action_failed', { error: errorText(error) })
    return { message: 'The change could not be saved: the database did not answer. Try again in a moment.', attempt }
  }
}
