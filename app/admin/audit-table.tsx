import type { AdminAuditRow } from '@/lib/db/schema'
import { AdminTable, adminClock } from './ui'

// Rows of the admin audit log: who did what to whom, when and from where. Server component.

export async function AuditTable({ rows, caption, empty }: { rows: AdminAuditRow[]; caption: string; empty: string }) {
  const { formatTime, zone } = await adminClock()
  if (rows.length === 0) {
    return (
      <p className="rounded-xl border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600" data-testid="audit-empty">
        {empty}
      </p>
    )
  }
  return (
    <AdminTable caption={caption} columns={[`When (${zone})`, 'Who', 'Action', 'User', 'From', 'Detail']}>
      {rows.map((row) => (
        <tr key={row.id} data-testid="audit-row">
          <td className="whitespace-nowrap px-3 py-2 text-slate-700">{formatTime(row.at)}</td>
          <td className="px-3 py-2 text-slate-900" data-testid="audit-actor">
            {row.actor}
          </td>
          <td className="px-3 py-2 font-mono text-xs" data-testid="audit-action">
            {row.action}
          </td>
          <td className="px-3 py-2 text-slate-900" data-testid="audit-target">
            {row.target ?? ''}
          </td>
          <td className="px-3 py-2 text-slate-700">{row.ip ?? ''}</td>
          <td className="px-3 py-2 font-mono text-xs text-slate-700">{row.detail ?? ''}</td>
        </tr>
      ))}
    </AdminTable>
  )
}
