import type { Metadata } from 'next'
import { Heading } from '../../ui'
import { Card } from '../../card'

export const metadata: Metadata = { title: 'The login ledger is unavailable' }

// Answers 503 (set in proxy.ts). Shows nothing from the ledger, so it needs no admin check.
export default function AdminUnavailablePage() {
  return (
    <Card>
      <Heading>The login ledger is unavailable</Heading>
      <p className="mt-3 text-sm leading-6 text-slate-600" data-testid="admin-unavailable">
        The sign-in service cannot reach its database right now, so federated logins cannot be shown. Logins from MCP clients are refused
        until it is back, so none goes unrecorded. Nothing needs restarting: try again in a moment.
      </p>
      <a href="/admin" className="mt-6 inline-block text-sm font-medium text-slate-900 underline underline-offset-4">
        Try again
      </a>
    </Card>
  )
}
