import type { Metadata } from 'next'
import Link from 'next/link'
import { notFound } from 'next/navigation'
import { readLedger, requireAdmin } from '@/lib/admin/access'
import { getEnv } from '@/lib/env'
import { fingerprint } from '@/lib/server/log'
import { getLedgerEntry } from '@/lib/ledger/queries'
import type { LedgerEntry } from '@/lib/ledger/filter'
import { AdminShell, adminClock, StatusBadge } from '../../ui'

export const metadata: Metadata = { title: 'Federated login' }

function after(start: number, time: number | null): string {
  if (time === null) return ''
  const ms = time - start
  return ms < 1000 ? `+${ms} ms` : `+${(ms / 1000).toFixed(1)} s`
}

/** A block of JSON that scrolls sideways, with a visible focus ring (it is focusable to be scrolled by keyboard). */
const scrolled =
  'overflow-x-auto rounded bg-slate-50 text-xs focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900'

function Field({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="grid grid-cols-3 gap-2 py-2">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="col-span-2 break-all text-sm text-slate-900" data-testid={testId}>
        {children}
      </dd>
    </div>
  )
}

export default async function LoginDetailPage({ params }: { params: Promise<{ id: string }> }) {
  const email = await requireAdmin()
  const { id } = await params
  const entry = await readLedger((db) => getLedgerEntry(db, decodeURIComponent(id)))
  if (!entry) notFound()
  const { item, claims, events } = entry
  const server = serverLabel(item.serverKey)

  return (
    <AdminShell email={email}>
      <Link href="/admin" className="text-sm text-slate-700 underline underline-offset-4">
        All logins
      </Link>
      <h1 className="flex flex-wrap items-center gap-3 text-xl font-semibold text-slate-900">
        <span className="font-mono text-base break-all">{item.id}</span> <StatusBadge status={item.status} />
      </h1>
      {item.status === 'denied' ? <Denied item={item} server={server} /> : null}
      {item.reportedAt !== null ? <Reported at={item.reportedAt} email={item.userEmail} /> : null}
      {/* One column below lg, as narrow as the screen: the JSON blocks scroll inside it. */}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Summary item={item} server={server} />
        <section className="space-y-4">
          <Timeline createdAt={item.createdAt} events={events} />
          <section className="rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="claims">
            <h2 id="claims" className="text-sm font-semibold text-slate-900">
              Claims sent to Scalekit
            </h2>
            {claims ? (
              // Focusable, so a keyboard can scroll a long line into view.
              <pre tabIndex={0} className={`mt-2 p-3 text-slate-800 ${scrolled}`} data-testid="claims">
                {JSON.stringify(claims, null, 2)}
              </pre>
            ) : (
              <p className="mt-2 text-sm text-slate-600">Nothing was sent to Scalekit for this login.</p>
            )}
          </section>
        </section>
      </div>
    </AdminShell>
  )
}

/** RFC 8176 method references, each with what it means where it has a common name. */
const METHODS: Record<string, string> = {
  pwd: 'password',
  otp: 'one-time code',
  hwk: 'hardware-bound key (passkey)',
  swk: 'software key (synced passkey)',
  mfa: 'multiple factors',
  user: 'user presence',
  pin: 'PIN',
  fpt: 'fingerprint',
  face: 'face',
  sms: 'SMS code',
}

function describeMethods(methods: string): string {
  return methods
    .split(' ')
    .map((method) => (METHODS[method] ? `${method} (${METHODS[method]})` : method))
    .join(', ')
}

/** The server's name and key when the key is configured, else the key (a server since removed). */
function serverLabel(key: string): string {
  const server = getEnv().servers.find((s) => s.key === key)
  return server ? `${server.name} (${key})` : key
}

/** The person signed in, but the server's access policy refused them; another account may still use the request. */
async function Denied({ item, server }: { item: LedgerEntry['item']; server: string }) {
  const { formatTime, zone } = await adminClock()
  return (
    <p className="rounded-xl border border-orange-200 bg-orange-50 p-4 text-sm text-orange-900" data-testid="denied-rule">
      {item.userEmail ?? 'The person'} signed in, but the access policy of {server} refused them:{' '}
      <strong>{item.errorMessage ?? 'no rule recorded'}</strong>. A denied request stays open for another account until it expires (
      {formatTime(item.expiresAt)} {zone}).
    </p>
  )
}

/** The person said this sign-in was not theirs (the new-sign-in alert's link): their sessions were ended then. */
async function Reported({ at, email }: { at: number; email: string | null }) {
  const { formatTime, zone } = await adminClock()
  return (
    <p className="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900" data-testid="reported">
      <strong>
        Reported by the user as not theirs at {formatTime(at)} {zone}.
      </strong>{' '}
      Every session of {email ?? 'the account'} was ended then; they were asked to reset their password.
    </p>
  )
}

/** Who, for which server, through which source, what Scalekit answered, and when each step happened. */
async function Summary({ item, server }: { item: LedgerEntry['item']; server: string }) {
  const { formatTime, zone } = await adminClock()
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="summary">
      <h2 id="summary" className="text-sm font-semibold text-slate-900">
        Summary
      </h2>
      <dl className="divide-y divide-slate-100">
        <Field label="MCP server" testId="server">
          {server}
        </Field>
        <Field label="Person">{item.userEmail ?? 'not signed in'}</Field>
        <Field label="Subject (sub)">{item.userSub ?? ''}</Field>
        <Field label="Identity source">{item.identitySource ?? ''}</Field>
        <Field label="Sign-in methods (amr)" testId="auth-methods">
          {item.authMethods ? describeMethods(item.authMethods) : ''}
        </Field>
        <Field label="Scalekit authRequestId" testId="auth-request-id">
          {item.authRequestId ?? ''}
        </Field>
        <Field label="Reason" testId="failure-reason">
          {item.errorCode ? `${item.errorCode}: ${item.errorMessage ?? ''}` : ''}
        </Field>
        <Field label={`Started (${zone})`}>{formatTime(item.createdAt)}</Field>
        <Field label="Signed in">{after(item.createdAt, item.signedInAt)}</Field>
        <Field label="Submitted to Scalekit">{after(item.createdAt, item.submittedAt)}</Field>
        <Field label="Finished">{after(item.createdAt, item.finishedAt)}</Field>
        <Field label={`Expires (${zone})`}>{formatTime(item.expiresAt)}</Field>
        <Field label="IP address">{item.ip ?? ''}</Field>
        <Field label="User agent">{item.userAgent ?? ''}</Field>
        <Field label="Log correlation id (cid)" testId="correlation-id">
          <code>{fingerprint(item.id)}</code>
        </Field>
      </dl>
    </section>
  )
}

/** Every event of the login request, with its time after the request arrived. */
async function Timeline({ createdAt, events }: { createdAt: number; events: LedgerEntry['events'] }) {
  const { formatTime } = await adminClock()
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="events">
      <h2 id="events" className="text-sm font-semibold text-slate-900">
        Timeline
      </h2>
      <ol className="mt-2 space-y-2">
        {events.map((event, index) => (
          <li key={index} className="text-sm" data-testid="ledger-event">
            <span className={`font-medium ${event.type === 'denied' ? 'text-orange-800' : 'text-slate-900'}`}>{event.type}</span>{' '}
            <span className="text-slate-600">
              {formatTime(event.at)} ({after(createdAt, event.at)})
            </span>
            {event.detail ? (
              <pre tabIndex={0} className={`mt-1 p-2 text-slate-700 ${scrolled}`}>
                {JSON.stringify(event.detail)}
              </pre>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  )
}
