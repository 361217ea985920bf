import { z } from 'zod'
import { isAcceptableServiceUrl } from '../../server/urls'
import { describeIssues, envSecret, parseJson, readJsonSetting } from '../../server/json-setting'

// Where the audit stream goes: AUDIT_WEBHOOK_URL with AUDIT_WEBHOOK_SECRET (one receiver, named
// "default", every event), or AUDIT_WEBHOOKS (or AUDIT_WEBHOOKS_FILE): a JSON array of receivers,
// each with its own Standard Webhooks secret and, optionally, the event types it wants. Unset: no
// stream, and nothing is written to the outbox.

export interface AuditReceiver {
  name: string
  url: string
  /** The Standard Webhooks secret, whsec_<base64>. */
  secret: string
  /** Event types (or prefixes ending in ".*") this receiver gets; empty: every event. */
  events: string[]
}

const SECRET_HINT = 'must be a Standard Webhooks secret: whsec_ followed by base64 of at least 24 random bytes (openssl rand -base64 32)'

/** True for whsec_<base64> whose key has at least 24 bytes (the library accepts shorter ones; a SIEM secret should not be). */
export function isWebhookSecret(value: string): boolean {
  const key = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value.trim())?.[1]
  if (!key || key.length % 4 !== 0) return false
  return Buffer.from(key, 'base64').length >= 24
}

const ReceiverUrl = z
  .string()
  .trim()
  .pipe(z.url({ error: 'must be an absolute URL' }))
  .refine(isAcceptableServiceUrl, 'must use https (plain http is accepted only for localhost, 127.0.0.0/8 and [::1])')

const EventFilter = z.string().regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$|^\*$/, 'must be event types such as "login.completed" or "admin.*"')

function receiverSchema(env: Record<string, string | undefined>) {
  return z.strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1 to 32 lowercase letters, digits or dashes'),
    url: ReceiverUrl,
    secret: envSecret(1, env).refine(isWebhookSecret, SECRET_HINT),
    events: z.array(EventFilter).default([]),
  })
}

function single(env: Record<string, string | undefined>, problems: string[]): AuditReceiver[] {
  const url = env.AUDIT_WEBHOOK_URL?.trim()
  const secret = env.AUDIT_WEBHOOK_SECRET?.trim()
  if (!url && !secret) return []
  if (!url) problems.push('AUDIT_WEBHOOK_SECRET is set without AUDIT_WEBHOOK_URL: set the receiver URL, or unset both')
  if (!secret) problems.push(`AUDIT_WEBHOOK_SECRET is required with AUDIT_WEBHOOK_URL: it ${SECRET_HINT.replace('must be', 'is')}`)
  else if (!isWebhookSecret(secret)) problems.push(`AUDIT_WEBHOOK_SECRET ${SECRET_HINT}`)
  if (url && !isAcceptableServiceUrl(url)) {
    problems.push('AUDIT_WEBHOOK_URL must be an absolute https URL (plain http is accepted only for localhost, 127.0.0.0/8 and [::1])')
  }
  return url && secret && !problems.length ? [{ name: 'default', url, secret, events: [] }] : []
}

/** The receivers, or the problems that name what to fix. */
export function parseAuditReceivers(env: Record<string, string | undefined>): { receivers: AuditReceiver[]; problems: string[] } {
  const problems: string[] = []
  const text = readJsonSetting(env, { inline: 'AUDIT_WEBHOOKS', file: 'AUDIT_WEBHOOKS_FILE' }, problems)
  if (text === undefined) {
    const fromSingle = single(env, problems)
    return { receivers: problems.length ? [] : fromSingle, problems }
  }
  if (env.AUDIT_WEBHOOK_URL?.trim() || env.AUDIT_WEBHOOK_SECRET?.trim())
    problems.push(
      'AUDIT_WEBHOOK_URL (or AUDIT_WEBHOOK_SECRET) and AUDIT_WEBHOOKS are both set: list the receiver in AUDIT_WEBHOOKS instead',
    )
  const raw = parseJson(text, 'AUDIT_WEBHOOKS', problems)
  if (raw === undefined) return { receivers: [], problems }
  const parsed = z.array(receiverSchema(env)).min(1, 'must list at least one receiver').safeParse(raw)
  if (!parsed.success)
    return { receivers: [], problems: [...problems, ...describeIssues(parsed.error.issues, raw, 'AUDIT_WEBHOOKS', 'name')] }
  const names = parsed.data.map((r) => r.name)
  const twice = names.find((name, index) => names.indexOf(name) !== index)
  if (twice) problems.push(`AUDIT_WEBHOOKS: the name "${twice}" is used twice; each receiver needs its own`)
  return { receivers: problems.length ? [] : parsed.data, problems }
}

/** Whether `receiver` wants events of `type`. */
export function receiverWants(receiver: AuditReceiver, type: string): boolean {
  if (!receiver.events.length) return true
  return receiver.events.some(
    (filter) => filter === '*' || filter === type || (filter.endsWith('.*') && type.startsWith(filter.slice(0, -1))),
  )
}
