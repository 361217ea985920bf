import type { Metadata } from 'next'
import Link from 'next/link'
import { requireAdmin } from '@/lib/admin/access'
import { getEnv } from '@/lib/env'
import { AdminShell } from '../../ui'
import { inviteUserAction } from '../actions'
import { InviteForm } from '../forms'

export const metadata: Metadata = { title: 'Add a user' }

/** /admin/users/new: adds a person to the local directory with an invitation link; nobody types their password but them. */
export default async function NewUserPage() {
  const email = await requireAdmin()
  const env = getEnv()
  const hours = env.INVITATION_TTL_HOURS
  return (
    <AdminShell email={email}>
      <h1 className="text-xl font-semibold text-slate-900">Add a user</h1>
      <p className="text-sm text-slate-600">
        The person gets no password from you: {env.mail ? 'the bridge emails them a link' : 'you get a link to send them'}, with which they
        set their own. The link works once, for {hours} hours.
      </p>
      <InviteForm action={inviteUserAction} mailOn={env.mail !== undefined} />
      <Link href="/admin/users" className="text-sm font-medium text-slate-900 underline underline-offset-4">
        Back to the users
      </Link>
    </AdminShell>
  )
}
