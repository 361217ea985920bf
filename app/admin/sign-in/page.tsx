import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { checkAdmin } from '@/lib/admin/access'
import { getEnv } from '@/lib/env'
import { Card, Heading, buttonSecondary } from '../../ui'
import { adminIdpSignInAction } from '../actions'
import { AdminSignInForm } from './form'

export const metadata: Metadata = { title: 'Admin sign-in' }

export default async function AdminSignInPage() {
  const check = await checkAdmin()
  if (check.ok) redirect('/admin')
  const { sources } = getEnv()
  const credentials = sources.find((source) => source.type === 'local' || source.type === 'http')
  const idps = sources.filter((source) => source.type === 'oidc')

  return (
    <Card>
      <Heading>Admin sign-in</Heading>
      <p className="mt-2 text-sm leading-6 text-slate-600">
        Review the federated logins of this sign-in service. Administrators are the people in ADMIN_EMAILS and local users added with
        --admin.
      </p>
      <div className="mt-6 space-y-3">
        {idps.map((source) => (
          <form key={source.id} action={adminIdpSignInAction}>
            <input type="hidden" name="source" value={source.id} />
            <button type="submit" className={buttonSecondary}>
              Sign in with {source.name}
            </button>
          </form>
        ))}
        {credentials ? <AdminSignInForm source={credentials.id} /> : null}
        {!credentials && idps.length === 0 ? (
          <p className="text-sm text-slate-600">
            No identity source here can sign administrators in; configure a local, http or oidc source.
          </p>
        ) : null}
      </div>
    </Card>
  )
}
