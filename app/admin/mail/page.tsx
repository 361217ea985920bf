import type { Metadata } from 'next'
import { readLedger, requireAdmin } from '@/lib/admin/access'
import { getEnv } from '@/lib/env'
import { listFailedMail, mailHealth, type FailedMail, type MailHealth } from '@/lib/mail/status'
import { AdminShell, AdminTable, adminClock } from '../ui'
import { RowActionButton } from '../row-action-button'
import { resendMailAction } from './actions'

export const metadata: Metadata = { title: 'Mail' }

const cell = 'px-3 py-2 text-slate-800'

async function Health({ health }: { health: MailHealth }) {
  const { formatTime, zone } = await adminClock()
  return (
    <AdminTable
      caption="The mail outbox"
      columns={['Waiting', `Oldest waiting (${zone})`, 'Sent', `Last sent (${zone})`, 'Failed', 'Nothing to send']}
    >
      <tr data-testid="mail-health">
        <td className={cell} data-testid="mail-pending">
          {health.pending}
        </td>
        <td className={cell}>{health.oldestPendingAt === null ? '' : formatTime(health.oldestPendingAt)}</td>
        <td className={cell} data-testid="mail-sent">
          {health.sent}
        </td>
        <td className={cell}>{health.lastSentAt === null ? 'never' : formatTime(health.lastSentAt)}</td>
        <td className={cell} data-testid="mail-failed">
          {health.failed}
        </td>
        <td className={cell}>{health.dropped}</td>
      </tr>
    </AdminTable>
  )
}

async function Failures({ rows }: { rows: FailedMail[] }) {
  const { formatTime, zone } = await adminClock()
  return (
    <AdminTable
      caption="Failed messages, newest first"
      columns={['Message', 'Kind', 'To', `Written (${zone})`, 'Attempts', 'Last error', '']}
      after={rows.length ? null : <p className="p-4 text-sm text-slate-600">No failed message.</p>}
    >
      {rows.map((row) => (
        <tr key={row.id} data-testid="failed-mail">
          <td className={`${cell} font-mono text-xs`}>{row.id}</td>
          <td className={cell}>{row.kind}</td>
          <td className={`${cell} break-all`}>{row.to_email}</td>
          <td className={cell}>{formatTime(row.created_at)}</td>
          <td className={cell}>{row.attempts}</td>
          <td className={cell} data-testid="failed-mail-error">
            {row.last_error ?? ''}
          </td>
          <td className={cell}>
            <RowActionButton action={resendMailAction} fields={{ message: row.id }} label="Send again" testId="resend-outcome" />
          </td>
        </tr>
      ))}
    </AdminTable>
  )
}

/** /admin/mail: the mail outbox's health, and its failed messages with "Send again". */
export default async function MailPage() {
  const email = await requireAdmin()
  const on = getEnv().mail !== undefined
  const [health, failures] = await readLedger((db) => Promise.all([mailHealth(db), listFailedMail(db)]))
  return (
    <AdminShell email={email}>
      <h1 className="text-xl font-semibold text-slate-900">Mail</h1>
      <p className="text-sm text-slate-600">
        {on
          ? 'Password resets, address verifications, invitations and sign-in alerts, sent from the database by each instance. A message the mail server did not take is retried (an hour for a reset, a day for the others), then kept here as failed.'
          : 'Email is off (SMTP_URL and MAIL_FROM are not set): people are asked to contact an administrator to reset a password. See docs/email.md.'}
      </p>
      <Health health={health} />
      <h2 className="text-base font-semibold text-slate-900">Failed messages</h2>
      <Failures rows={failures} />
    </AdminShell>
  )
}
