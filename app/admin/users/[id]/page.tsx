import type { Metadata } from 'next'
import Link from 'next/link'
import { notFound } from 'next/navigation'
import { readLedger, requireAdmin } from '@/lib/admin/access'
import { listAuditPage } from '@/lib/admin/audit'
import { getEnv } from '@/lib/env'
import { loadUserDetail, type DirectoryUserDetail } from '@/lib/users/admin-detail'
import { describeFactors } from '@/lib/users/factor-summary'
import { AuditTable } from '../../audit-table'
import { AdminShell, adminClock } from '../../ui'
import { reissueInvitationAction, resetFactorsAction, setDisabledAction, setNamesAction, signOutEverywhereAction } from '../actions'
import { NamesForm, UserActionButton } from '../forms'

export const metadata: Metadata = { title: 'User' }

async function Facts({ user }: { user: DirectoryUserDetail }) {
  const { formatTime, zone } = await adminClock()
  const status = user.disabled ? 'disabled' : user.invited ? 'invited' : 'active'
  const facts: Array<[string, string, string]> = [
    ['Status', status, 'detail-status'],
    ['Administrator', user.isAdmin ? 'yes' : 'no', 'detail-admin'],
    ['Sign-in factors', describeFactors(user.factors), 'detail-factors'],
    [`Last sign-in (${zone})`, user.lastSignInAt === null ? 'never' : formatTime(user.lastSignInAt), 'detail-last-sign-in'],
    [`Signed out everywhere (${zone})`, user.sessionsRevokedAt === null ? 'never' : formatTime(user.sessionsRevokedAt), 'detail-revoked'],
    [`Added (${zone})`, formatTime(user.createdAt), 'detail-added'],
  ]
  if (user.invited) {
    const open = user.invitationExpiresAt === null ? 'none open' : `open until ${formatTime(user.invitationExpiresAt)}`
    facts.push(['Invitation link', open, 'detail-invitation'])
  }
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-2 rounded-xl border border-slate-200 bg-white p-4 text-sm md:grid-cols-3">
      {facts.map(([label, value, testId]) => (
        <div key={label}>
          <dt className="text-xs font-medium text-slate-500">{label}</dt>
          <dd className="text-slate-900" data-testid={testId}>
            {value}
          </dd>
        </div>
      ))}
    </dl>
  )
}

function Actions({ user, self }: { user: DirectoryUserDetail; self: boolean }) {
  const mfaRequired = getEnv().LOCAL_MFA === 'required'
  return (
    <section className="grid gap-4 rounded-xl border border-slate-200 bg-white p-4 md:grid-cols-2" aria-label="Actions">
      {self && !user.disabled ? (
        <p className="text-sm text-slate-600">You cannot disable your own account.</p>
      ) : (
        <UserActionButton
          action={setDisabledAction}
          userId={user.id}
          label={user.disabled ? 'Enable' : 'Disable'}
          danger={!user.disabled}
          fields={{ disabled: String(!user.disabled) }}
          testId="status-outcome"
        />
      )}
      <UserActionButton action={signOutEverywhereAction} userId={user.id} label="Sign out everywhere" testId="sign-out-outcome" />
      {self && mfaRequired ? (
        <p className="text-sm text-slate-600">Second factors are required here; another administrator can reset yours.</p>
      ) : (
        <UserActionButton action={resetFactorsAction} userId={user.id} label="Reset second factors" danger testId="reset-outcome" />
      )}
      {user.invited ? (
        <UserActionButton action={reissueInvitationAction} userId={user.id} label="New invitation link" testId="reissue-outcome" />
      ) : null}
      {user.invited && getEnv().mail ? (
        <UserActionButton
          action={reissueInvitationAction}
          userId={user.id}
          label="Send a new invitation by email"
          testId="reissue-mail-outcome"
          fields={{ byEmail: 'on' }}
        />
      ) : null}
      <NamesForm action={setNamesAction} userId={user.id} kind="groups" current={user.groups} />
      <NamesForm action={setNamesAction} userId={user.id} kind="roles" current={user.roles} />
    </section>
  )
}

/** /admin/users/{id}: one user of the local directory, what can be done to them, and what was. */
export default async function UserPage({ params }: { params: Promise<{ id: string }> }) {
  const email = await requireAdmin()
  const { id } = await params
  const user = await readLedger((db) => loadUserDetail(db, id))
  if (!user) notFound()
  const audit = await readLedger((db) => listAuditPage(db, { target: user.email, limit: 20 }))
  return (
    <AdminShell email={email}>
      <h1 className="text-xl font-semibold text-slate-900" data-testid="detail-email">
        {user.email}
      </h1>
      <p className="text-slate-700">{user.name}</p>
      <Facts user={user} />
      <Actions user={user} self={user.email === email.toLowerCase()} />
      <h2 className="text-base font-semibold text-slate-900">Changes to this user</h2>
      <AuditTable rows={audit.items} caption={`Admin actions on ${user.email}, newest first`} empty="No admin action on this user yet." />
      <Link href="/admin/users" className="text-sm font-medium text-slate-900 underline underline-offset-4">
        Back to the users
      </Link>
    </AdminShell>
  )
}
