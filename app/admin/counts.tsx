import Link from 'next/link'
import { LEDGER_STATUSES, type LedgerPage } from '@/lib/ledger/filter'
import type { McpServer } from '@/lib/servers/config'
import { viewQuery, type AdminView } from './filters'

// The overview above the list: logins per status and per MCP server in the range, each a link to
// the same view filtered on it.

function CountLink({
  href,
  label,
  detail,
  count,
  testId,
}: {
  href: string
  label: string
  detail?: string
  count: number
  testId: string
}) {
  return (
    <Link href={href} className="block rounded-lg border border-slate-200 bg-white px-3 py-2 hover:border-slate-400" data-testid={testId}>
      <span className="block truncate text-xs text-slate-600">
        {label}
        {detail ? <span className="ml-1 font-mono text-slate-500">{detail}</span> : null}
      </span>
      <span className="text-lg font-semibold text-slate-900">{count.toLocaleString('en-US')}</span>
    </Link>
  )
}

export function Counts({ page, view }: { page: LedgerPage; view: AdminView }) {
  return (
    <ul className="grid grid-cols-3 gap-2 md:grid-cols-7" aria-label="Logins per status in this range">
      {LEDGER_STATUSES.map((status) => (
        <li key={status}>
          <CountLink
            href={`/admin${viewQuery({ ...view, values: { ...view.values, status } })}`}
            label={status}
            count={page.counts[status]}
            testId={`count-${status}`}
          />
        </li>
      ))}
    </ul>
  )
}

/** Counted over the whole filter except its server, so the other servers stay in view. */
export function ServerCounts({ page, view, servers }: { page: LedgerPage; view: AdminView; servers: McpServer[] }) {
  return (
    <ul className="grid grid-cols-2 gap-2 md:grid-cols-6" aria-label="Logins per MCP server in this range">
      {servers.map((server) => (
        <li key={server.key}>
          <CountLink
            href={`/admin${viewQuery({ ...view, values: { ...view.values, server: server.key } })}`}
            label={server.name}
            detail={server.key}
            count={page.serverCounts[server.key] ?? 0}
            testId={`count-server-${server.key}`}
          />
        </li>
      ))}
    </ul>
  )
}
