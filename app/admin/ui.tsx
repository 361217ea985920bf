import Link from 'next/link'
import { getFormatter, getTimeZone } from 'next-intl/server'
import { BrandLogo } from '../brand-logo'
import { getEnv } from '@/lib/env'
import type { LedgerStatus } from '@/lib/ledger/filter'
import { adminSignOutAction } from './actions'

// The admin area's frame and small pieces. Server components: no client JavaScript.

/** A date and time as the admin's page shows it; '' for none. */
export type FormatTime = (time: number | null) => string

/**
 * The admin's clock: dates and times in the request's locale and the time zone next-intl is
 * configured with (DISPLAY_TIME_ZONE), and that zone's name for the labels. Downloads stay ISO.
 */
export async function adminClock(): Promise<{ formatTime: FormatTime; zone: string }> {
  const [format, zone] = await Promise.all([getFormatter(), getTimeZone()])
  const formatTime: FormatTime = (time) => (time === null ? '' : format.dateTime(time, { dateStyle: 'medium', timeStyle: 'medium' }))
  return { formatTime, zone }
}

const BADGE: Record<LedgerStatus, string> = {
  completed: 'bg-emerald-50 text-emerald-800 ring-emerald-600/20',
  failed: 'bg-red-50 text-red-800 ring-red-600/20',
  cancelled: 'bg-slate-100 text-slate-700 ring-slate-500/20',
  expired: 'bg-amber-50 text-amber-800 ring-amber-600/20',
  pending: 'bg-sky-50 text-sky-800 ring-sky-600/20',
  denied: 'bg-orange-50 text-orange-800 ring-orange-600/20',
  submitting: 'bg-indigo-50 text-indigo-800 ring-indigo-600/20',
}

export function StatusBadge({ status }: { status: LedgerStatus }) {
  return <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${BADGE[status]}`}>{status}</span>
}

/** The brand's logo and name (BRAND_LOGO, BRAND_NAME) in the header, else the service's own name. */
async function AdminBrand() {
  const brand = getEnv().brand
  return (
    <a href="/admin" className="flex items-center gap-2 font-semibold text-slate-900" data-testid="admin-brand">
      <BrandLogo className="h-6 w-auto max-w-[8rem] object-contain" />
      <span>{brand.name ?? 'Sign-in bridge'} · Admin</span>
    </a>
  )
}

export function AdminShell({ email, children }: { email: string; children: React.ReactNode }) {
  return (
    <div className="min-h-screen bg-slate-50">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-3">
          <nav className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm" aria-label="Admin">
            <AdminBrand />
            <a href="/admin" className="text-slate-700 underline-offset-4 hover:underline">
              Logins
            </a>
            <Link href="/admin/users" className="text-slate-700 underline-offset-4 hover:underline">
              Users
            </Link>
            <a href="/admin/audit" className="text-slate-700 underline-offset-4 hover:underline">
              Admin actions
            </a>
            <a href="/admin/stream" className="text-slate-700 underline-offset-4 hover:underline">
              Audit stream
            </a>
            <a href="/admin/mail" className="text-slate-700 underline-offset-4 hover:underline">
              Mail
            </a>
          </nav>
          <form action={adminSignOutAction} className="flex flex-wrap items-center gap-x-3 gap-y-2 text-sm text-slate-600">
            {/* A local admin's own passkeys and authenticator app; another source's admin has none here. */}
            <a href="/account" className="underline-offset-4 hover:underline">
              Your account
            </a>
            <span data-testid="admin-email" className="break-all">
              {email}
            </span>
            <button type="submit" className="rounded-md px-2 py-1 font-medium text-slate-800 underline-offset-4 hover:underline">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <main className="mx-auto max-w-7xl space-y-4 px-4 py-6 wrap-break-word">{children}</main>
    </div>
  )
}

/** A table of the admin area: scrolls sideways on a narrow screen, its caption for screen readers, one header row. */
export function AdminTable({
  caption,
  columns,
  children,
  after,
}: {
  caption: string
  columns: string[]
  children: React.ReactNode
  /** Shown under the table, inside its frame (an empty list's message). */
  after?: React.ReactNode
}) {
  return (
    // Focusable and named after its caption, so a keyboard can scroll a wide table (WCAG 2.1.1).
    <div
      tabIndex={0}
      role="region"
      aria-label={caption}
      className="overflow-x-auto rounded-xl border border-slate-200 bg-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
    >
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col" className="px-3 py-2">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
      {after}
    </div>
  )
}
