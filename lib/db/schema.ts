import type { Generated, Selectable } from 'kysely'

// Timestamps are epoch milliseconds in both engines (INTEGER in SQLite, BIGINT in PostgreSQL),
// so one set of queries sorts and compares them the same way everywhere.

interface UsersTable {
  id: string
  email: string
  name: string
  password_hash: string
  is_admin: number
  disabled: number
  email_verified: number
  /** JSON array of group names; read with userGroups(). */
  groups: string
  /** JSON array of role names; read with userRoles(). */
  roles: string
  created_at: number
  updated_at: number
}

/** `denied`: the person who signed in may not use the server; the request stays usable for another account until it expires. */
export type LoginStatus = 'pending' | 'denied' | 'submitting' | 'completed' | 'failed' | 'cancelled' | 'expired'

export interface LoginRequestsTable {
  id: string
  connection_id: string
  /** The MCP server's key (lib/servers/config.ts); "default" for the single-connection configuration. */
  server_key: string
  state_hash: string
  status: LoginStatus
  created_at: number
  updated_at: number
  expires_at: number
  signed_in_at: number | null
  submitted_at: number | null
  finished_at: number | null
  identity_source: string | null
  user_sub: string | null
  user_email: string | null
  /** RFC 8176 method references of the sign-in, space-separated ("pwd otp"); null when unknown. */
  auth_methods: string | null
  auth_request_id: string | null
  error_code: string | null
  error_message: string | null
  ip: string | null
  user_agent: string | null
  claims: string | null
}

export interface LoginEventsTable {
  id: Generated<number>
  login_request_id: string
  at: number
  type: string
  detail: string | null
}

/** One row per throttled key: `account:<hash of the email>` or `ip:<address>`. */
interface SignInThrottleTable {
  key: string
  failures: number
  window_started_at: number
  locked_until: number | null
}

export interface Database {
  users: UsersTable
  login_requests: LoginRequestsTable
  login_events: LoginEventsTable
  sign_in_throttle: SignInThrottleTable
}

export type User = Selectable<UsersTable>
export type LoginRequestRow = Selectable<LoginRequestsTable>
