import type { Metadata } from 'next'
import Link from 'next/link'
import { readLedger, requireAdmin } from '@/lib/admin/access'
import { listDirectoryPage, type DirectoryListItem } from '@/lib/users/admin-list'
import { AdminShell, AdminTable, adminClock, type FormatTime } from '../ui'

export const metadata: Metadata = { title: 'Users' }

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? ''

function Names({ names }: { names: string[] }) {
  return names.length ? <>{names.join(', ')}</> : <span className="text-slate-500">none</span>
}

function Row({ user, formatTime }: { user: DirectoryListItem; formatTime: FormatTime }) {
  return (
    <tr data-testid="user-row" className="align-top">
      <td className="px-3 py-2">
        <Link
          href={`/admin/users/${encodeURIComponent(user.id)}`}
          className="font-medium text-slate-900 underline underline-offset-2"
          data-testid="user-email"
        >
          {user.email}
        </Link>
        <div className="text-slate-600">{user.name}</div>
      </td>
      <td className="px-3 py-2" data-testid="user-status">
        {user.disabled ? (
          <span className="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-800 ring-1 ring-inset ring-red-600/20">
            disabled
          </span>
        ) : user.invited ? (
          <span className="rounded-full bg-sky-50 px-2 py-0.5 text-xs font-medium text-sky-800 ring-1 ring-inset ring-sky-600/20">
            invited
          </span>
        ) : (
          <span className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800 ring-1 ring-inset ring-emerald-600/20">
            active
          </span>
        )}
        {user.isAdmin ? <span className="ml-1 text-xs text-slate-600">admin</span> : null}
      </td>
      <td className="px-3 py-2 text-slate-700">{user.emailVerified ? 'verified' : 'not verified'}</td>
      <td className="px-3 py-2 text-slate-700" data-testid="user-groups">
        <Names names={user.groups} />
      </td>
      <td className="px-3 py-2 text-slate-700" data-testid="user-roles">
        <Names names={user.roles} />
      </td>
      <td className="px-3 py-2 text-slate-700" data-testid="user-factors">
        {user.factors}
      </td>
      <td className="px-3 py-2 whitespace-nowrap text-slate-700" data-testid="user-last-sign-in">
        {user.lastSignInAt === null ? <span className="text-slate-500">never</span> : formatTime(user.lastSignInAt)}
      </td>
      <td className="px-3 py-2 whitespace-nowrap text-slate-700">{formatTime(user.createdAt)}</td>
    </tr>
  )
}

/** Finds an email or name containing the text; a GET, so the address can be shared. */
function SearchForm({ q }: { q: string }) {
  return (
    <form method="get" action="/admin/users" className="flex flex-wrap items-end gap-2" role="search">
      <div className="max-w-full">
        <label htmlFor="q" className="text-xs font-medium text-slate-700">
          Email or name contains
        </label>
        <input
          id="q"
          name="q"
          defaultValue={q}
          maxLength={100}
          className="mt-1 block w-72 max-w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 focus:border-slate-900 focus:outline-2 focus:outline-slate-900"
        />
      </div>
      <button type="submit" className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">
        Search
      </button>
    </form>
  )
}

function Pager({ q, after, next }: { q: string; after: string; next: string | null }) {
  const nextHref = next ? `/admin/users?${new URLSearchParams({ ...(q ? { q } : {}), after: next })}` : null
  return (
    <nav className="flex justify-between text-sm" aria-label="Pages">
      {after ? (
        <Link
          href={`/admin/users${q ? `?${new URLSearchParams({ q })}` : ''}`}
          className="font-medium text-slate-900 underline underline-offset-4"
        >
          First page
        </Link>
      ) : (
        <span />
      )}
      {nextHref ? (
        <Link href={nextHref} className="font-medium text-slate-900 underline underline-offset-4">
          Next page
        </Link>
      ) : null}
    </nav>
  )
}

/** /admin/users: the local directory, searched by email or name, 50 to a page in email order. */
export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const email = await requireAdmin()
  const query = await searchParams
  const q = first(query.q).trim()
  const after = first(query.after)
  const page = await readLedger((db) => listDirectoryPage(db, { q, after }))
  const { formatTime, zone } = await adminClock()

  return (
    <AdminShell email={email}>
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold text-slate-900">Users</h1>
        <Link href="/admin/users/new" className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">
          Add user
        </Link>
      </div>
      <p className="text-sm text-slate-600">
        The local directory: the people who sign in here with an email and password. People of an IdP, the credential API or the company app
        are managed there.
      </p>
      <SearchForm q={q} />
      <AdminTable
        caption="Users of the local directory, by email"
        columns={['Person', 'Status', 'Email', 'Groups', 'Roles', 'Sign-in factors', `Last sign-in (${zone})`, `Added (${zone})`]}
        after={
          page.items.length === 0 ? (
            <p className="p-4 text-sm text-slate-600" data-testid="users-empty">
              {q
                ? `No user's email or name contains "${q}".`
                : 'The local directory has no users yet: add them with Add user or npm run users -- add.'}
            </p>
          ) : null
        }
      >
        {page.items.map((user) => (
          <Row key={user.id} user={user} formatTime={formatTime} />
        ))}
      </AdminTable>
      <Pager q={q} after={after} next={page.next} />
    </AdminShell>
  )
}
