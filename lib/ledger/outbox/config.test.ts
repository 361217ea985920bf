import { describe, expect, it } from 'vitest'
import { isWebhookSecret, parseAuditReceivers, receiverWants } from './config'

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`

describe('audit stream configuration', () => {
  it('is off when nothing is set', () => {
    expect(parseAuditReceivers({})).toEqual({ receivers: [], problems: [] })
  })

  it('reads one receiver from AUDIT_WEBHOOK_URL and AUDIT_WEBHOOK_SECRET', () => {
    expect(parseAuditReceivers({ AUDIT_WEBHOOK_URL: 'https://siem.example.com/hook', AUDIT_WEBHOOK_SECRET: SECRET })).toEqual({
      receivers: [{ name: 'default', url: 'https://siem.example.com/hook', secret: SECRET, events: [] }],
      problems: [],
    })
    expect(parseAuditReceivers({ AUDIT_WEBHOOK_URL: 'http://127.0.0.1:4150/', AUDIT_WEBHOOK_SECRET: SECRET }).problems).toEqual([])
  })

  it('names the fix for a missing or malformed secret and a plain-http URL', () => {
    expect(parseAuditReceivers({ AUDIT_WEBHOOK_URL: 'https://siem.example.com/hook' }).problems).toEqual([
      'AUDIT_WEBHOOK_SECRET is required with AUDIT_WEBHOOK_URL: it is a Standard Webhooks secret: whsec_ followed by base64 of at least 24 random bytes (openssl rand -base64 32)',
    ])
    expect(
      parseAuditReceivers({ AUDIT_WEBHOOK_URL: 'http://siem.example.com/hook', AUDIT_WEBHOOK_SECRET: 'whsec_!!notbase64' }).problems,
    ).toEqual([
      'AUDIT_WEBHOOK_SECRET must be a Standard Webhooks secret: whsec_ followed by base64 of at least 24 random bytes (openssl rand -base64 32)',
      'AUDIT_WEBHOOK_URL must be an absolute https URL (plain http is accepted only for localhost, 127.0.0.0/8 and [::1])',
    ])
    expect(parseAuditReceivers({ AUDIT_WEBHOOK_SECRET: SECRET }).problems).toEqual([
      'AUDIT_WEBHOOK_SECRET is set without AUDIT_WEBHOOK_URL: set the receiver URL, or unset both',
    ])
  })

  it('accepts only whsec_ secrets whose base64 decodes to at least 24 bytes', () => {
    expect(isWebhookSecret(SECRET)).toBe(true)
    expect(isWebhookSecret(`whsec_${Buffer.alloc(16).toString('base64')}`)).toBe(false)
    expect(isWebhookSecret(Buffer.alloc(32).toString('base64'))).toBe(false)
    expect(isWebhookSecret('whsec_abc')).toBe(false)
  })

  it('reads several receivers from AUDIT_WEBHOOKS, each with its secret (or env:NAME) and event filter', () => {
    const env = {
      AUDIT_WEBHOOKS: JSON.stringify([
        { name: 'siem', url: 'https://siem.example.com/hook', secret: 'env:SIEM_SECRET' },
        { name: 'admins', url: 'https://ops.example.com/hook', secret: SECRET, events: ['admin.*', 'login.denied'] },
      ]),
      SIEM_SECRET: SECRET,
    }
    const { receivers, problems } = parseAuditReceivers(env)
    expect(problems).toEqual([])
    expect(receivers.map((r) => [r.name, r.secret === SECRET, r.events])).toEqual([
      ['siem', true, []],
      ['admins', true, ['admin.*', 'login.denied']],
    ])
    expect(['admin.user.disable', 'login.denied', 'login.completed'].map((type) => receiverWants(receivers[1]!, type))).toEqual([
      true,
      true,
      false,
    ])
    expect(receiverWants(receivers[0]!, 'login.completed')).toBe(true)
  })

  it('names the receiver and the field to fix in AUDIT_WEBHOOKS, never quoting the secret', () => {
    const { problems } = parseAuditReceivers({
      AUDIT_WEBHOOKS: JSON.stringify([
        { name: 'siem', url: 'http://siem.example.com/hook', secret: 'whsec_short' },
        { name: 'siem', url: 'https://b.example.com', secret: SECRET, events: ['Login Completed'] },
      ]),
    })
    expect(problems).toEqual([
      'AUDIT_WEBHOOKS[0] (siem).url: must use https (plain http is accepted only for localhost, 127.0.0.0/8 and [::1])',
      'AUDIT_WEBHOOKS[0] (siem).secret: must be a Standard Webhooks secret: whsec_ followed by base64 of at least 24 random bytes (openssl rand -base64 32)',
      'AUDIT_WEBHOOKS[1] (siem).events.0: must be event types such as "login.completed" or "admin.*"',
    ])
    expect(parseAuditReceivers({ AUDIT_WEBHOOKS: '[]' }).problems).toEqual(['AUDIT_WEBHOOKS: must list at least one receiver'])
    expect(
      parseAuditReceivers({
        AUDIT_WEBHOOKS: JSON.stringify([{ name: 'a', url: 'https://a.example.com', secret: SECRET }]),
        AUDIT_WEBHOOK_URL: 'https://b.example.com',
      }).problems,
    ).toEqual(['AUDIT_WEBHOOK_URL (or AUDIT_WEBHOOK_SECRET) and AUDIT_WEBHOOKS are both set: list the receiver in AUDIT_WEBHOOKS instead'])
  })
})
