import type { Metadata } from 'next'
import Link from 'next/link'
import { readLedger, requireAdmin } from '@/lib/admin/access'
import { listAuditPage } from '@/lib/admin/audit'
import { AuditTable } from '../audit-table'
import { AdminShell } from '../ui'

export const metadata: Metadata = { title: 'Admin actions' }

/** A page cursor: the id to continue before, or undefined for the newest page. */
function readBefore(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value
  return text && /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : undefined
}

/** /admin/audit: every change an administrator or the CLI made to the local directory, newest first, 50 to a page. */
export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const email = await requireAdmin()
  const before = readBefore((await searchParams).before)
  const page = await readLedger((db) => listAuditPage(db, { before }))
  return (
    <AdminShell email={email}>
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold text-slate-900">Admin actions</h1>
        <a
          href="/admin/audit/export"
          className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50"
        >
          Export CSV
        </a>
      </div>
      <p className="text-sm text-slate-600">
        Who changed which user of the local directory, when and from where; changes made with npm run users show as cli:&lt;user&gt;.
      </p>
      <AuditTable rows={page.items} caption="Admin actions, newest first" empty="No admin action yet." />
      <nav className="flex justify-between text-sm" aria-label="Pages">
        {before !== undefined ? (
          <Link href="/admin/audit" className="font-medium text-slate-900 underline underline-offset-4">
            Newest
          </Link>
        ) : (
          <span />
        )}
        {page.next !== null ? (
          <Link href={`/admin/audit?before=${page.next}`} className="font-medium text-slate-900 underline underline-offset-4">
            Older actions
          </Link>
        ) : null}
      </nav>
    </AdminShell>
  )
}
