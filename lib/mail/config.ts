import { z } from 'zod'
import { isLoopbackHost } from '../server/urls'

// Email for the local directory: SMTP_URL and MAIL_FROM turn it on; without them the email
// features are off and the pages send people to their administrator instead. The password in
// SMTP_URL is a secret: it is kept here, handed to nodemailer, and never logged or shown.

export interface MailConfig {
  host: string
  port: number
  /** smtps: TLS from the first byte (465). smtp: STARTTLS, required except on a loopback host. */
  secure: boolean
  requireTls: boolean
  auth?: { user: string; pass: string }
  from: string
  /** MAIL_SIGN_IN_ALERTS=on: a message after a sign-in from a browser or address not seen before. */
  signInAlerts: boolean
  /** How long a password-reset link works. */
  resetTtlMinutes: number
  /** How long an address-verification link works. */
  verifyTtlHours: number
  /** Forgot-password requests per account (any address, known or not) and per client address, per hour. */
  resetsPerAccount: number
  resetsPerAddress: number
  /** The first retry's delay; each next one doubles, up to 15 minutes. */
  retryBaseMs: number
  pollMs: number
}

type Source = Record<string, string | undefined>

function intSetting(source: Source, key: string, min: number, max: number, fallback: number, problems: string[]): number {
  const raw = source[key]?.trim()
  if (!raw) return fallback
  const value = Number(raw)
  if (Number.isInteger(value) && value >= min && value <= max) return value
  problems.push(`${key} must be a whole number from ${min} to ${max}`)
  return fallback
}

const SMTP_HINT = 'SMTP_URL must be smtps://user:password@host:465 or smtp://user:password@host:587 (STARTTLS)'

function parseSmtpUrl(raw: string, problems: string[]): Pick<MailConfig, 'host' | 'port' | 'secure' | 'requireTls' | 'auth'> | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    problems.push(`${SMTP_HINT}; it is not a URL`)
    return null
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    problems.push(`${SMTP_HINT}; it starts with ${url.protocol}`)
    return null
  }
  if (!url.hostname) {
    problems.push(`${SMTP_HINT}; it names no host`)
    return null
  }
  const secure = url.protocol === 'smtps:'
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  let user: string
  let pass: string
  try {
    user = decodeURIComponent(url.username)
    pass = decodeURIComponent(url.password)
  } catch {
    problems.push('SMTP_URL: the user name or password is not percent-encoded properly (write % as %25, @ as %40, / as %2F)')
    return null
  }
  return {
    host,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    // Credentials and messages (reset links) never cross the network in clear text.
    requireTls: !secure && !isLoopbackHost(url.hostname),
    ...(user ? { auth: { user, pass } } : {}),
  }
}

const Address = z.email()

/** "Name <address>" or a bare address; the address must be one. */
function fromProblem(from: string): string | null {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from
  if (!Address.safeParse(address.trim()).success) return 'MAIL_FROM must be an address such as "Acme Login <login@acme.example>"'
  if (/[\r\n]/.test(from)) return 'MAIL_FROM must be one line'
  return null
}

export function parseMailConfig(source: Source): { mail?: MailConfig; problems: string[] } {
  const problems: string[] = []
  const smtpUrl = source.SMTP_URL?.trim()
  const from = source.MAIL_FROM?.trim()
  const alerts = source.MAIL_SIGN_IN_ALERTS?.trim().toLowerCase()
  if (alerts && alerts !== 'on' && alerts !== 'off') problems.push('MAIL_SIGN_IN_ALERTS must be on or off')
  if (!smtpUrl && !from) {
    if (alerts === 'on') problems.push('MAIL_SIGN_IN_ALERTS=on needs SMTP_URL and MAIL_FROM')
    return { problems }
  }
  if (!smtpUrl) problems.push('SMTP_URL is required when MAIL_FROM is set (or unset both to turn email off)')
  if (!from) problems.push('MAIL_FROM is required when SMTP_URL is set, e.g. "Acme Login <login@acme.example>"')
  const fromIssue = from ? fromProblem(from) : null
  if (fromIssue) problems.push(fromIssue)
  const server = smtpUrl ? parseSmtpUrl(smtpUrl, problems) : null
  const settings = {
    resetTtlMinutes: intSetting(source, 'PASSWORD_RESET_TTL_MINUTES', 5, 24 * 60, 30, problems),
    verifyTtlHours: intSetting(source, 'EMAIL_VERIFY_TTL_HOURS', 1, 720, 72, problems),
    resetsPerAccount: intSetting(source, 'PASSWORD_RESETS_PER_ACCOUNT', 1, 1000, 5, problems),
    resetsPerAddress: intSetting(source, 'PASSWORD_RESETS_PER_ADDRESS', 1, 100_000, 50, problems),
    retryBaseMs: intSetting(source, 'MAIL_RETRY_BASE_MS', 10, 600_000, 5000, problems),
    pollMs: intSetting(source, 'MAIL_POLL_INTERVAL_MS', 20, 60_000, 1000, problems),
  }
  if (!server || !from || problems.length) return { problems }
  return { mail: { ...server, from, signInAlerts: alerts === 'on', ...settings }, problems }
}
