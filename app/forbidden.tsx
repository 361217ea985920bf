import { Heading } from './ui'
import { Card } from './card'

export default function Forbidden() {
  return (
    <Card>
      <Heading>You cannot see this page</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600" data-testid="forbidden">
        You are signed in, but not as an administrator of this sign-in service. Ask an administrator to add your email to ADMIN_EMAILS, or
        sign in with another account.
      </p>
      <a href="/admin/sign-in" className="mt-6 inline-block text-sm font-medium text-slate-900 underline underline-offset-4">
        Sign in with another account
      </a>
    </Card>
  )
}
