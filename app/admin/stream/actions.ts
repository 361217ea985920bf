'use server'

import { refresh } from 'next/cache'
import { unstable_rethrow } from 'next/navigation'
import { requireAdminPost } from '@/lib/admin/access'
import { getDb } from '@/lib/db/client'
import { redeliver } from '@/lib/ledger/outbox/status'
import { errorText, logEvent } from '@/lib/server/log'
import type { RowActionState } from '../row-action-button'

// Redeliver a failed audit event: a public endpoint like every server action, so it checks the
// origin and the admin itself; lib/ledger/outbox/status.ts writes the change and its audit row together.

const text = (form: FormData, name: string) => {
  const value = form.get(name)
  return typeof value === 'string' ? value.slice(0, 100) : ''
}

export async function redeliverAction(previous: RowActionState, form: FormData): Promise<RowActionState> {
  const by = await requireAdminPost()
  const attempt = previous.attempt + 1
  const target = { receiver: text(form, 'receiver'), eventId: text(form, 'event') }
  try {
    if (!(await redeliver(await getDb(), by, target))) {
      return { message: 'This delivery is no longer failed: it was redelivered already.', attempt }
    }
    logEvent('audit_redeliver', { receiver: target.receiver, eventId: target.eventId })
    refresh()
    return { done: 'Queued for delivery again.', attempt }
  } catch (error) {
    unstable_rethrow(error)
    logEvent('admin_action_failed', { error: errorText(error) })
    return { message: 'The change could not be saved: the database did not answer. Try again in a moment.', attempt }
  }
}
