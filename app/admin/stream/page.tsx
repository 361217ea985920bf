import type { Metadata } from 'next'
import { readLedger, requireAdmin } from '@/lib/admin/access'
import { getEnv } from '@/lib/env'
import { listFailedDeliveries, receiverHealth, type FailedDelivery, type ReceiverHealth } from '@/lib/ledger/outbox/status'
import { AdminShell, AdminTable, adminClock } from '../ui'
import { RowActionButton } from '../row-action-button'
import { redeliverAction } from './actions'

export const metadata: Metadata = { title: 'Audit stream' }

const cell = 'px-3 py-2 text-slate-800'

async function Receivers({ rows }: { rows: ReceiverHealth[] }) {
  const { formatTime, zone } = await adminClock()
  return (
    <AdminTable
      caption="Receivers of the audit stream"
      columns={['Receiver', 'Backlog', `Oldest pending (${zone})`, 'Delivered', `Last success (${zone})`, 'Failed']}
      after={rows.length ? null : <p className="p-4 text-sm text-slate-600">No receiver is configured.</p>}
    >
      {rows.map((row) => (
        <tr key={row.name} data-testid={`receiver-${row.name}`}>
          <td className={`${cell} font-medium`}>{row.name}</td>
          <td className={cell} data-testid="backlog">
            {row.pending}
          </td>
          <td className={cell}>{row.oldestPendingAt === null ? '' : formatTime(row.oldestPendingAt)}</td>
          <td className={cell} data-testid="delivered">
            {row.delivered}
          </td>
          <td className={cell} data-testid="last-success">
            {row.lastDeliveredAt === null ? 'never' : formatTime(row.lastDeliveredAt)}
          </td>
          <td className={cell} data-testid="failed">
            {row.failed}
          </td>
        </tr>
      ))}
    </AdminTable>
  )
}

async function Failures({ rows }: { rows: FailedDelivery[] }) {
  const { formatTime, zone } = await adminClock()
  return (
    <AdminTable
      caption="Failed deliveries, newest first"
      columns={['Receiver', 'Event', 'Type', `Written (${zone})`, 'Attempts', 'Last answer', '']}
      after={rows.length ? null : <p className="p-4 text-sm text-slate-600">No failed delivery.</p>}
    >
      {rows.map((row) => (
        <tr key={`${row.receiver}:${row.eventId}`} data-testid="failed-delivery">
          <td className={cell}>{row.receiver}</td>
          <td className={`${cell} font-mono text-xs`} data-testid="failed-event">
            {row.eventId}
          </td>
          <td className={cell}>{row.type}</td>
          <td className={cell}>{formatTime(row.createdAt)}</td>
          <td className={cell} data-testid="failed-attempts">
            {row.attempts}
          </td>
          <td className={cell} data-testid="failed-error">
            {row.lastError ?? ''}
          </td>
          <td className={cell}>
            <RowActionButton
              action={redeliverAction}
              fields={{ receiver: row.receiver, event: row.eventId }}
              label="Redeliver"
              testId="redeliver-outcome"
            />
          </td>
        </tr>
      ))}
    </AdminTable>
  )
}

/** /admin/stream: the audit stream's health per receiver, and its failed deliveries with Redeliver. */
export default async function StreamPage() {
  const email = await requireAdmin()
  const names = getEnv().auditReceivers.map((receiver) => receiver.name)
  const [receivers, failures] = await readLedger((db) => Promise.all([receiverHealth(db, names), listFailedDeliveries(db)]))
  return (
    <AdminShell email={email}>
      <h1 className="text-xl font-semibold text-slate-900">Audit stream</h1>
      <p className="text-sm text-slate-600">
        Every ledger step and admin action, delivered to each receiver signed per Standard Webhooks. A delivery that timed out or got a 5xx
        is retried for a day; one refused with another 4xx, or still failing after that, is kept here until redelivered.
      </p>
      <Receivers rows={receivers} />
      <h2 className="text-base font-semibold text-slate-900">Failed deliveries</h2>
      <Failures rows={failures} />
    </AdminShell>
  )
}
