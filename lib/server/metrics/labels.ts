import 'server-only'
import { getEnv } from '../../env'
import { isProblemCode } from '../../login/problems'

// Every label value a metric carries comes from one of these: the keys of MCP_SERVERS, the ids of
// IDENTITY_SOURCES, or a fixed list. Anything else (a key typed into a URL, an unexpected error
// code) becomes "other", so a scrape never grows with traffic and never carries an email, an id,
// a state or an address.

export const OTHER = 'other'

export const LOGIN_OUTCOMES = ['completed', 'cancelled', 'denied', 'failed', 'expired', 'rejected'] as const
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number]

export const SIGN_IN_RESULTS = ['ok', 'refused', 'error'] as const
export type SignInResult = (typeof SIGN_IN_RESULTS)[number]

export const THROTTLE_SCOPES = ['account', 'address'] as const
export type ThrottleScope = (typeof THROTTLE_SCOPES)[number]

export const DATABASE_OPERATIONS = ['readiness', 'login_receive', 'login_complete', 'sign_in'] as const
export type DatabaseOperation = (typeof DATABASE_OPERATIONS)[number]

export const AUDIT_RESULTS = ['delivered', 'retry', 'failed'] as const
export type AuditDeliveryResult = (typeof AUDIT_RESULTS)[number]

export const MAIL_KINDS = ['password_reset', 'verify_email', 'invitation', 'sign_in_alert'] as const
export const MAIL_RESULTS = ['sent', 'retry', 'failed', 'dropped'] as const
export type MailResult = (typeof MAIL_RESULTS)[number]

/** Reasons a login or a sign-in records besides the problem codes of lib/login/problems.ts. */
const EXTRA_REASONS = new Set(['none', 'credentials_refused', 'throttled'])

/** The one Scalekit call whose type name the bridge knows; other RPCs share "other". */
const SCALEKIT_OPERATIONS: Record<string, string> = {
  'scalekit.v1.auth.UpdateLoginUserDetailsRequest': 'update_login_user_details',
}

type Configured = { servers: Set<string>; defaultServer?: string; sources: Set<string> }

/** Read once, as lib/env.ts reads the environment once per process. */
let known: Configured | undefined

function configured(): Configured {
  known ??= readConfigured()
  return known
}

function readConfigured(): Configured {
  try {
    const env = getEnv()
    return {
      servers: new Set(env.servers.map((server) => server.key)),
      defaultServer: env.defaultServer?.key,
      sources: new Set(env.sources.map((source) => source.id)),
    }
  } catch {
    // Without a valid configuration the bridge serves nothing; its metrics say "other".
    return { servers: new Set(), sources: new Set() }
  }
}

/** A configured server's key; `undefined` is the default server (/login), as findServer reads it. */
export function serverLabel(key: string | undefined): string {
  const known = configured()
  const resolved = key ?? known.defaultServer
  return resolved !== undefined && known.servers.has(resolved) ? resolved : OTHER
}

export function sourceLabel(id: string | undefined): string {
  return id !== undefined && configured().sources.has(id) ? id : OTHER
}

/** A problem code (or one of the few other reasons the ledger records), else "other". */
export function reasonLabel(reason: string | undefined): string {
  if (reason === undefined) return 'none'
  return isProblemCode(reason) || EXTRA_REASONS.has(reason) ? reason : OTHER
}

export function oneOf<T extends string>(allowed: readonly T[], value: string): T | typeof OTHER {
  return (allowed as readonly string[]).includes(value) ? (value as T) : OTHER
}

export function scalekitOperationLabel(typeName: unknown): string {
  return typeof typeName === 'string' && Object.hasOwn(SCALEKIT_OPERATIONS, typeName) ? SCALEKIT_OPERATIONS[typeName]! : OTHER
}

/** "ok", or the problem code an error of Scalekit's was translated to. */
export function scalekitOutcomeLabel(outcome: string): string {
  return outcome === 'ok' || isProblemCode(outcome) ? outcome : OTHER
}
