import type { Metadata } from 'next'
import Link from 'next/link'
import { readLedger, requireAdmin } from '@/lib/admin/access'
import { getEnv } from '@/lib/env'
import { listLedgerSources, loadLedgerPage } from '@/lib/ledger/queries'
import { encodeCursor, LEDGER_STATUSES, type LedgerPage } from '@/lib/ledger/filter'
import type { McpServer } from '@/lib/servers/config'
import { listedServers, readAdminView, viewQuery, type AdminView } from './filters'
import { AdminShell, AdminTable, adminClock, StatusBadge } from './ui'
import { Counts, ServerCounts } from './counts'
import { Timeline } from './timeline'
import { AuditTable } from './audit-table'
import { listAuditPage } from '@/lib/admin/audit'

export const metadata: Metadata = { title: 'Federated logins' }

const LATEST_ADMIN_ACTIONS = 5

const field =
  'mt-1 block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 focus:border-slate-900 focus:outline-2 focus:outline-slate-900'

type Option = string | { value: string; label: string }

/** A filter with "Any" (or `empty`) first, then each value, as its own label unless it has one. */
function SelectField(props: { id: string; label: string; value: string; options: readonly Option[]; empty?: string }) {
  const { id, label, value, options, empty = 'Any' } = props
  return (
    <div>
      <label htmlFor={id} className="text-xs font-medium text-slate-700">
        {label}
      </label>
      <select id={id} name={id} defaultValue={value} className={field}>
        <option value="">{empty}</option>
        {options.map((option) => {
          const { value: optionValue, label: optionLabel } = typeof option === 'string' ? { value: option, label: option } : option
          return (
            <option key={optionValue} value={optionValue}>
              {optionLabel}
            </option>
          )
        })}
      </select>
    </div>
  )
}

/** The server filter and the chart's split, for a bridge with MCP_SERVERS. */
function ServerFields({ view, servers }: { view: AdminView; servers: McpServer[] }) {
  if (servers.length === 0) return null
  const options = servers.map((server) => ({ value: server.key, label: server.name }))
  return (
    <>
      <SelectField id="server" label="MCP server" value={view.values.server} options={options} />
      <SelectField
        id="split"
        label="Chart"
        value={view.values.split}
        options={[{ value: 'server', label: 'Logins per server' }]}
        empty="Completed and failed"
      />
    </>
  )
}

function DateField({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div>
      <label htmlFor={id} className="text-xs font-medium text-slate-700">
        {label}
      </label>
      <input id={id} name={id} type="date" defaultValue={value} className={field} />
    </div>
  )
}

function Filters({ view, sources, servers }: { view: AdminView; sources: string[]; servers: McpServer[] }) {
  const { values } = view
  // Days start and end in the zone the list shows its times in.
  const zone = getEnv().DISPLAY_TIME_ZONE
  return (
    <form
      method="get"
      action="/admin"
      className="grid grid-cols-2 gap-3 rounded-xl border border-slate-200 bg-white p-4 md:grid-cols-6"
      role="search"
    >
      <div className="col-span-2">
        <label htmlFor="q" className="text-xs font-medium text-slate-700">
          Search
        </label>
        <input id="q" name="q" defaultValue={values.q} placeholder="email, sub, login request id or authRequestId" className={field} />
      </div>
      <SelectField id="status" label="Status" value={values.status} options={LEDGER_STATUSES} />
      <SelectField id="source" label="Identity source" value={values.source} options={sources} />
      <DateField id="from" label={`From (${zone})`} value={values.from} />
      <DateField id="to" label={`To (${zone}, included)`} value={values.to} />
      <ServerFields view={view} servers={servers} />
      <div className="col-span-2 flex flex-wrap items-end gap-2 md:col-span-6">
        <label className="mr-2 flex items-center gap-2 self-center text-sm text-slate-700">
          <input type="checkbox" name="reported" value="1" defaultChecked={values.reported === '1'} />
          Only sign-ins reported as not theirs
        </label>
        <button type="submit" className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">
          Apply filters
        </button>
        <Link href="/admin" className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 underline-offset-4 hover:underline">
          Clear
        </Link>
        <span className="ml-auto flex flex-wrap gap-2 text-sm">
          <a
            href={`/admin/export${viewQuery(view, { format: 'csv' })}`}
            className="rounded-md border border-slate-300 px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50"
          >
            Export CSV
          </a>
          <a
            href={`/admin/export${viewQuery(view, { format: 'jsonl' })}`}
            className="rounded-md border border-slate-300 px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50"
          >
            Export JSON lines
          </a>
        </span>
      </div>
    </form>
  )
}

/** The server's name, or its key when it is no longer configured. */
function serverName(servers: McpServer[], key: string): string {
  return servers.find((server) => server.key === key)?.name ?? key
}

async function Rows({ page, servers }: { page: LedgerPage; servers: McpServer[] }) {
  const { formatTime, zone } = await adminClock()
  if (page.items.length === 0) {
    return (
      <div
        className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-600"
        data-testid="empty-state"
      >
        No federated logins match these filters. Widen the date range or clear the search. New logins appear here as soon as Scalekit sends
        someone to the sign-in page.
      </div>
    )
  }
  return (
    <AdminTable
      caption="Federated logins, newest first"
      columns={[`Started (${zone})`, 'Status', 'Who', ...(servers.length ? ['Server'] : []), 'Source', 'Reason', 'Login request']}
    >
      {page.items.map((item) => (
        <tr key={item.id} data-testid="ledger-row">
          <td className="whitespace-nowrap px-3 py-2 text-slate-700">{formatTime(item.createdAt)}</td>
          <td className="px-3 py-2">
            <StatusBadge status={item.status} />
            {item.reportedAt !== null ? (
              <span data-testid="reported-badge" className="ml-2 rounded bg-red-100 px-1.5 py-0.5 text-xs font-medium text-red-900">
                reported
              </span>
            ) : null}
          </td>
          <td className="px-3 py-2 text-slate-900">{item.userEmail ?? <span className="text-slate-500">not signed in</span>}</td>
          {servers.length ? <td className="px-3 py-2 text-slate-700">{serverName(servers, item.serverKey)}</td> : null}
          <td className="px-3 py-2 text-slate-700">{item.identitySource ?? ''}</td>
          <td className="px-3 py-2 text-slate-700">{item.errorCode ?? ''}</td>
          <td className="px-3 py-2 font-mono text-xs">
            <Link href={`/admin/logins/${encodeURIComponent(item.id)}`} className="text-slate-900 underline underline-offset-2">
              {item.id}
            </Link>
          </td>
        </tr>
      ))}
    </AdminTable>
  )
}

export default async function AdminPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const email = await requireAdmin()
  const servers = listedServers()
  const keys = servers.map((server) => server.key)
  const view = readAdminView(await searchParams, {
    searchDays: getEnv().LEDGER_RETENTION_DAYS,
    zone: getEnv().DISPLAY_TIME_ZONE,
    servers: keys,
  })
  const [page, sources, audit] = await readLedger((db) =>
    Promise.all([
      loadLedgerPage(db, view.filter, { after: view.after, servers: keys, split: view.split }),
      listLedgerSources(db),
      listAuditPage(db, { limit: LATEST_ADMIN_ACTIONS }),
    ]),
  )

  return (
    <AdminShell email={email}>
      <h1 className="text-xl font-semibold text-slate-900">Federated logins</h1>
      <p className="text-sm text-slate-600">
        Every login request Scalekit sent here, newest first. Without dates, the last 7 days are shown; a search without dates looks through
        the whole ledger.
      </p>
      <Filters view={view} sources={sources} servers={servers} />
      <Counts page={page} view={view} />
      {servers.length ? <ServerCounts page={page} view={view} servers={servers} /> : null}
      <Timeline buckets={page.timeline} servers={view.split === 'server' ? servers : undefined} />
      <Rows page={page} servers={servers} />
      <nav className="flex justify-between text-sm" aria-label="Pages">
        {view.after ? (
          <Link href={`/admin${viewQuery(view)}`} className="font-medium text-slate-900 underline underline-offset-4">
            Newest
          </Link>
        ) : (
          <span />
        )}
        {page.next ? (
          <Link
            href={`/admin${viewQuery(view, { after: encodeCursor(page.next) })}`}
            className="font-medium text-slate-900 underline underline-offset-4"
          >
            Older logins
          </Link>
        ) : null}
      </nav>
      <section className="space-y-2" aria-label="Latest admin actions">
        <div className="flex items-center justify-between">
          <h2 className="text-base font-semibold text-slate-900">Latest admin actions</h2>
          <Link href="/admin/audit" className="text-sm font-medium text-slate-900 underline underline-offset-4">
            All admin actions
          </Link>
        </div>
        <AuditTable rows={audit.items} caption="The latest admin actions, newest first" empty="No admin action yet." />
      </section>
    </AdminShell>
  )
}
