import 'server-only'
import { z } from 'zod'
import { parseSourcesConfig, type SourcesConfig } from './sources/config'
import { connectionIdProblem, legacyServers, parseServersConfig, type ScalekitEnvironment, type ServersConfig } from './servers/config'
import { isHttpsOrLoopback } from './server/urls'
import { parseAuditReceivers, type AuditReceiver } from './ledger/outbox/config'
import { parseBrand, type Brand } from './brand/config'
import { parseMailConfig, type MailConfig } from './mail/config'
import { LOCALES } from './i18n/locales'
import { readMessageOverrides, type MessageOverrides } from './i18n/messages'

// The one place that reads process.env. Everything else calls getEnv().

import { CONNECTION_ID_PAGE } from './servers/config'
export { CONNECTION_ID_PAGE, CONNECTION_ID_PATTERN } from './servers/config'

// https everywhere, except loopback hosts (lib/server/urls.ts).
function publicOrigin(key: string) {
  return z
    .string({ error: `${key} is required` })
    .trim()
    .pipe(z.url({ error: `${key} must be an absolute URL such as https://login.example.com` }))
    .superRefine((value, ctx) => {
      if (isHttpsOrLoopback(new URL(value))) return
      ctx.addIssue({
        code: 'custom',
        message: `${key} must use https (plain http is accepted only for localhost, 127.0.0.0/8 and [::1])`,
      })
    })
    .transform((value) => new URL(value).origin)
}

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined))

function boundedInt(key: string, min: number, max: number, fallback: number) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback
      const parsed = Number(value)
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `${key} must be a whole number from ${min} to ${max}` })
        return z.NEVER
      }
      return parsed
    })
}

const EnvSchema = z.object({
  APP_URL: publicOrigin('APP_URL'),
  // Required for SCALEKIT_CONNECTION_ID, or for an MCP_SERVERS entry without its own "scalekit" (see parseEnv).
  SCALEKIT_ENVIRONMENT_URL: optionalString.pipe(publicOrigin('SCALEKIT_ENVIRONMENT_URL').optional()),
  SCALEKIT_CLIENT_ID: optionalString,
  SCALEKIT_CLIENT_SECRET: z
    .string()
    .optional()
    .transform((value) => (value ? value : undefined)),
  SCALEKIT_CONNECTION_ID: optionalString.superRefine((value, ctx) => {
    const problem = value === undefined ? undefined : connectionIdProblem(value, 'SCALEKIT_CONNECTION_ID')
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  }),
  MCP_SERVERS: optionalString,
  MCP_SERVERS_FILE: optionalString,
  SESSION_SECRET: z
    .string({ error: 'SESSION_SECRET is required: at least 32 random characters (openssl rand -base64 32)' })
    .min(32, 'SESSION_SECRET must be at least 32 characters (openssl rand -base64 32)'),
  AUTH_SECRET: z
    .string({ error: 'AUTH_SECRET is required: at least 32 random characters (openssl rand -base64 32)' })
    .min(32, 'AUTH_SECRET must be at least 32 characters (openssl rand -base64 32)'),
  ADMIN_EMAILS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((email) => email.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.email({ error: 'ADMIN_EMAILS must be a comma-separated list of email addresses' }))),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^(file:.+|postgres(ql)?:\/\/.+)$/, 'DATABASE_URL must be file:<path> (SQLite) or postgres://... (PostgreSQL)')
      .optional(),
  ),
  LOGIN_REQUEST_TTL_SECONDS: boundedInt('LOGIN_REQUEST_TTL_SECONDS', 10, 3600, 600),
  SCALEKIT_TIMEOUT_MS: boundedInt('SCALEKIT_TIMEOUT_MS', 100, 60_000, 5000),
  PORT: boundedInt('PORT', 1, 65_535, 3000),
  // Read by lib/sources/config.ts; listed here so the schema names every key the bridge reads.
  IDENTITY_SOURCES: optionalString,
  IDENTITY_SOURCES_FILE: optionalString,
  SUBJECT_FORMAT: optionalString,
  /** How many proxies in front of the bridge append to X-Forwarded-For; 0 trusts none. */
  TRUSTED_PROXY_HOPS: boundedInt('TRUSTED_PROXY_HOPS', 0, 10, 0),
  /** After this long, "Continue as" gives way to a fresh sign-in. */
  SESSION_MAX_AGE_SECONDS: boundedInt('SESSION_MAX_AGE_SECONDS', 5, 30 * 24 * 3600, 8 * 3600),
  /** `npm run ledger -- purge` deletes login requests older than this; scripts/ledger.ts checks the same range. */
  LEDGER_RETENTION_DAYS: boundedInt('LEDGER_RETENTION_DAYS', 1, 3650, 90),
  /** Failed email-and-password sign-ins allowed per account (any email, known or not) per window. */
  SIGN_IN_MAX_FAILURES_PER_ACCOUNT: boundedInt('SIGN_IN_MAX_FAILURES_PER_ACCOUNT', 1, 1000, 5),
  /** Failed sign-ins allowed per client address per window; higher, as offices share one address. */
  SIGN_IN_MAX_FAILURES_PER_IP: boundedInt('SIGN_IN_MAX_FAILURES_PER_IP', 1, 100_000, 50),
  SIGN_IN_FAILURE_WINDOW_SECONDS: boundedInt('SIGN_IN_FAILURE_WINDOW_SECONDS', 10, 24 * 3600, 900),
  /** How long a key stays locked once it went over its limit; temporary by design. */
  SIGN_IN_LOCKOUT_SECONDS: boundedInt('SIGN_IN_LOCKOUT_SECONDS', 1, 24 * 3600, 900),
  /** Password checks (argon2) the process runs at once; beyond, a sign-in is refused at once with a 503 page. */
  PASSWORD_CHECK_CONCURRENCY: boundedInt('PASSWORD_CHECK_CONCURRENCY', 1, 64, 2),
  /** Second factors for the local directory (lib/factors): not offered, offered, or required. */
  LOCAL_MFA: z
    .string()
    .trim()
    .optional()
    .transform((value) => (value ? value : 'optional'))
    .pipe(z.enum(['off', 'optional', 'required'], { error: 'LOCAL_MFA must be off, optional or required' })),
  /** How long an invitation link to set a password works (the admin area's "Add user", `npm run users -- invite`). */
  INVITATION_TTL_HOURS: boundedInt('INVITATION_TTL_HOURS', 1, 720, 72),
  /** On SIGTERM, how long the logins in flight and the shutdown hooks may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_SECONDS: boundedInt('SHUTDOWN_TIMEOUT_SECONDS', 1, 600, 25),
  /** New login requests one client address may bring in 10 minutes; each one is a ledger row. */
  NEW_LOGIN_REQUESTS_PER_ADDRESS: boundedInt('NEW_LOGIN_REQUESTS_PER_ADDRESS', 1, 1_000_000, 300),
  // The audit stream (lib/ledger/outbox/config.ts reads the receivers; listed so the schema names every key).
  AUDIT_WEBHOOK_URL: optionalString,
  AUDIT_WEBHOOK_SECRET: optionalString,
  AUDIT_WEBHOOKS: optionalString,
  AUDIT_WEBHOOKS_FILE: optionalString,
  /** How often each instance's outbox worker looks for deliveries that are due. */
  AUDIT_POLL_INTERVAL_MS: boundedInt('AUDIT_POLL_INTERVAL_MS', 20, 60_000, 1000),
  /** How long one webhook POST may take before it counts as a timeout (and is retried). */
  AUDIT_WEBHOOK_TIMEOUT_MS: boundedInt('AUDIT_WEBHOOK_TIMEOUT_MS', 100, 60_000, 10_000),
  /** The first retry's delay; each next one doubles (with jitter), up to an hour. */
  AUDIT_RETRY_BASE_MS: boundedInt('AUDIT_RETRY_BASE_MS', 10, 600_000, 5000),
  /** How long a delivery is retried before it is marked failed (at least a day). */
  AUDIT_RETRY_HOURS: boundedInt('AUDIT_RETRY_HOURS', 24, 720, 24),
  /** The language of a page when neither ui_locales, the menu nor the browser names a supported one. */
  DEFAULT_LOCALE: z
    .string()
    .trim()
    .optional()
    .transform((value) => (value ? value : 'en'))
    .pipe(z.enum(LOCALES, { error: `DEFAULT_LOCALE must be one of ${LOCALES.join(', ')}` })),
  /** A folder of {locale}.json files whose messages replace the built-in ones (lib/i18n/messages.ts). */
  MESSAGES_DIR: optionalString,
  /** The time zone dates are shown in on the pages (an IANA name such as Europe/Berlin). */
  DISPLAY_TIME_ZONE: optionalString.transform((value, ctx) => {
    const zone = value ?? 'UTC'
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone })
    } catch {
      ctx.addIssue({ code: 'custom', message: `DISPLAY_TIME_ZONE must be an IANA time zone such as Europe/Berlin (got "${zone}")` })
      return z.NEVER
    }
    return zone
  }),
  // The brand (lib/brand/config.ts reads them; listed so the schema names every key).
  BRAND_NAME: optionalString,
  BRAND_LOGO: optionalString,
  BRAND_PRIMARY_COLOR: optionalString,
  BRAND_SUPPORT_URL: optionalString,
  BRAND_SUPPORT_EMAIL: optionalString,
  BRAND_PRIVACY_URL: optionalString,
  BRAND_TERMS_URL: optionalString,
  /** The bearer token Prometheus sends to /api/metrics; unset, that address is a 404. */
  METRICS_TOKEN: optionalString.pipe(
    z
      .string()
      .min(32, 'METRICS_TOKEN must be at least 32 characters (openssl rand -base64 32), or unset to turn /api/metrics off')
      .optional(),
  ),
})

export type Env = z.infer<typeof EnvSchema> &
  SourcesConfig &
  ServersConfig & {
    /** True when APP_URL is https: cookies get Secure and the __Host- prefix, responses get HSTS. */
    secure: boolean
    /** The audit stream's receivers; empty when the stream is off. */
    auditReceivers: AuditReceiver[]
    /** The company's name, logo, colour and links; empty for the neutral look. */
    brand: Brand
    /** MESSAGES_DIR's wording, per locale. */
    messageOverrides: MessageOverrides
    /** SMTP_URL and MAIL_FROM with their settings; undefined when email is off. */
    mail: MailConfig | undefined
  }

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The bridge is not configured correctly (see .env.example):\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

const REQUIRED_SCALEKIT = {
  SCALEKIT_ENVIRONMENT_URL: 'SCALEKIT_ENVIRONMENT_URL is required (Dashboard > Settings > API Credentials)',
  SCALEKIT_CLIENT_ID: 'SCALEKIT_CLIENT_ID is required (Dashboard > Settings > API Credentials)',
  SCALEKIT_CLIENT_SECRET: 'SCALEKIT_CLIENT_SECRET is required (Dashboard > Settings > API Credentials)',
  SCALEKIT_CONNECTION_ID: `SCALEKIT_CONNECTION_ID is required (${CONNECTION_ID_PAGE}), or list your MCP servers in MCP_SERVERS`,
} as const

function topLevelEnvironment(data: Partial<Record<keyof typeof REQUIRED_SCALEKIT, string>>): ScalekitEnvironment | undefined {
  const { SCALEKIT_ENVIRONMENT_URL: environmentUrl, SCALEKIT_CLIENT_ID: clientId, SCALEKIT_CLIENT_SECRET: clientSecret } = data
  return environmentUrl && clientId && clientSecret ? { environmentUrl, clientId, clientSecret } : undefined
}

/** MCP_SERVERS, or the single SCALEKIT_CONNECTION_ID with the top-level SCALEKIT_* keys, all required. */
function resolveServers(
  source: Record<string, string | undefined>,
  data: z.infer<typeof EnvSchema> | undefined,
  sourceIds: string[],
  problems: string[],
): ServersConfig | undefined {
  const topLevel = data ? topLevelEnvironment(data) : undefined
  const multi = parseServersConfig(source, { sourceIds, topLevel })
  problems.push(...multi.problems)
  if (multi.config || source.MCP_SERVERS?.trim() || source.MCP_SERVERS_FILE?.trim()) return multi.config
  if (!data) {
    // The schema already named what is wrong; add what is missing, not what is malformed.
    for (const [key, message] of Object.entries(REQUIRED_SCALEKIT)) {
      if (!source[key]?.trim() && !problems.some((problem) => problem.startsWith(key))) problems.push(message)
    }
    return undefined
  }
  const missing = Object.entries(REQUIRED_SCALEKIT).filter(([key]) => !data[key as keyof typeof REQUIRED_SCALEKIT])
  problems.push(...missing.map(([, message]) => message))
  if (missing.length || !topLevel || !data.SCALEKIT_CONNECTION_ID) return undefined
  return legacyServers(data.SCALEKIT_CONNECTION_ID, topLevel)
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source)
  const sources = parseSourcesConfig(source)
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        const key = issue.path.join('.')
        return issue.message.startsWith(key) ? issue.message : `${key}: ${issue.message}`
      })
  problems.push(...sources.problems)
  const audit = parseAuditReceivers(source)
  problems.push(...audit.problems)
  const brand = parseBrand(source)
  problems.push(...brand.problems)
  const messages = readMessageOverrides(source.MESSAGES_DIR?.trim() || undefined)
  problems.push(...messages.problems)
  const mail = parseMailConfig(source)
  problems.push(...mail.problems)
  const sourceIds = sources.config?.sources.map((s) => s.id) ?? []
  const servers = resolveServers(source, result.success ? result.data : undefined, sourceIds, problems)
  if (!result.success || !sources.config || !servers || problems.length) throw new ConfigError(problems)
  return {
    ...result.data,
    ...sources.config,
    ...servers,
    secure: result.data.APP_URL.startsWith('https:'),
    auditReceivers: audit.receivers,
    brand: brand.brand,
    messageOverrides: messages.overrides,
    mail: mail.mail,
  }
}

let cached: Env | undefined

/** INVITATION_TTL_HOURS alone, for `npm run users -- invite`, which runs without the bridge's other keys. */
export function invitationTtlHours(source: Record<string, string | undefined>): number {
  const parsed = EnvSchema.shape.INVITATION_TTL_HOURS.safeParse(source.INVITATION_TTL_HOURS)
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => issue.message))
  return parsed.data
}

/** The audit stream's receivers alone, for the operator commands that write admin actions without the bridge's other keys. */
export function auditReceivers(source: Record<string, string | undefined>): AuditReceiver[] {
  const parsed = parseAuditReceivers(source)
  if (parsed.problems.length) throw new ConfigError(parsed.problems)
  return parsed.receivers
}

export function getEnv(): Env {
  cached ??= parseEnv(process.env)
  return cached
}
