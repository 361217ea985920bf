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
  /** Sessions signed in before this moment (epoch ms) no longer count: "sign out everywhere". 0: never. */
  sessions_revoked_at: Generated<number>
  last_sign_in_at: number | null
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
  /** When the person reported this sign-in as not theirs (the new-sign-in alert's link); null otherwise. */
  reported_at: number | null
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

/** One authenticator (RFC 6238) per user; `confirmed_at` null while its enrolment waits for a first code. */
interface TotpFactorsTable {
  user_id: string
  /** The shared key, sealed (lib/factors/sealed.ts). */
  sealed_key: string
  confirmed_at: number | null
  /** The newest time step accepted: a code of this step or an older one is a replay. */
  last_step: number
  created_at: number
}

interface RecoveryCodesTable {
  user_id: string
  /** SHA-256 (hex) of the normalised code. */
  code_hash: string
  used_at: number | null
  created_at: number
}

interface PasskeysTable {
  /** The credential id, base64url. */
  id: string
  user_id: string
  name: string
  /** The COSE public key, base64url. */
  public_key: string
  counter: number
  /** JSON array of the authenticator's transports. */
  transports: string
  device_type: string
  backed_up: number
  created_at: number
  last_used_at: number | null
}

/** WebAuthn challenges already used (SHA-256, hex), kept until they would have expired anyway. */
interface UsedChallengesTable {
  hash: string
  expires_at: number
}

interface InvitationsTable {
  /** SHA-256 (hex) of the token in the link. */
  token_hash: string
  user_id: string
  created_by: string
  created_at: number
  expires_at: number
  used_at: number | null
}

interface AdminAuditTable {
  id: Generated<number>
  at: number
  /** The admin's email, or `cli:<user>` for the operator commands. */
  actor: string
  action: string
  /** Whom it was done to (an email), where there is someone. */
  target: string | null
  ip: string | null
  /** JSON object with what changed; never a secret. */
  detail: string | null
}

/** The audit stream's outbox: one row per event, written in the transaction of its ledger step. */
interface AuditEventsTable {
  /** Written order; orders the events of one ordering key. */
  seq: Generated<number>
  /** The stable event id, sent as webhook-id (receivers de-duplicate on it). */
  id: string
  type: string
  /** The login request id for login events (delivered in order per key); null for admin actions. */
  ordering_key: string | null
  /** The JSON body sent to receivers; never a secret. */
  payload: string
  created_at: number
}

export type AuditDeliveryStatus = 'pending' | 'delivered' | 'failed'

/** One event's delivery to one receiver. */
interface AuditDeliveriesTable {
  event_seq: number
  receiver: string
  /** Copied from the event, so the "earlier event still undelivered" check reads one table. */
  ordering_key: string | null
  status: AuditDeliveryStatus
  attempts: number
  next_attempt_at: number
  /** The worker holding the delivery, until lease_until; null when no one does. */
  lease_owner: string | null
  lease_until: number | null
  last_error: string | null
  last_status: number | null
  delivered_at: number | null
  created_at: number
}

export type MailKind = 'password_reset' | 'verify_email' | 'invitation' | 'sign_in_alert'
/** `dropped`: nothing to send after all (no such account, or the person's state changed). */
type MailStatus = 'pending' | 'sent' | 'dropped' | 'failed'

/** A message to send (lib/mail/outbox.ts); never a secret: links get their tokens when sent. */
interface MailOutboxTable {
  id: string
  kind: MailKind
  /** The address as asked for (a forgot-password request names any address) or the user's. */
  to_email: string
  user_id: string | null
  locale: string
  /** JSON object the message is written from (a server key, a ledger id...); never a secret. */
  params: string
  status: MailStatus
  attempts: number
  next_attempt_at: number
  /** After this, a message still unsent is marked failed. */
  give_up_at: number
  lease_owner: string | null
  lease_until: number | null
  /** The transport's error code and response code of the last failed attempt; never its text. */
  last_error: string | null
  created_at: number
  sent_at: number | null
}

export type EmailTokenPurpose = 'password_reset' | 'verify_email' | 'report_sign_in'

interface EmailTokensTable {
  /** SHA-256 (hex) of the token in the link. */
  token_hash: string
  purpose: EmailTokenPurpose
  user_id: string
  /** What the link is about: the address being verified, the ledger id of the sign-in reported. */
  subject: string | null
  created_at: number
  expires_at: number
  used_at: number | null
}

interface KnownSignInsTable {
  user_id: string
  kind: 'browser' | 'address'
  /** SHA-256 (base64url) of the browser id or of the address. */
  value_hash: string
  first_seen_at: number
  last_seen_at: number
}

export interface Database {
  users: UsersTable
  login_requests: LoginRequestsTable
  login_events: LoginEventsTable
  sign_in_throttle: SignInThrottleTable
  totp_factors: TotpFactorsTable
  recovery_codes: RecoveryCodesTable
  passkeys: PasskeysTable
  used_challenges: UsedChallengesTable
  invitations: InvitationsTable
  admin_audit: AdminAuditTable
  audit_events: AuditEventsTable
  audit_deliveries: AuditDeliveriesTable
  mail_outbox: MailOutboxTable
  email_tokens: EmailTokensTable
  known_sign_ins: KnownSignInsTable
}

export type User = Selectable<UsersTable>
export type LoginRequestRow = Selectable<LoginRequestsTable>
export type Passkey = Selectable<PasskeysTable>
export type AdminAuditRow = Selectable<AdminAuditTable>
export type MailRow = Selectable<MailOutboxTable>
