import { describe, expect, it } from 'vitest'
import { parseMailConfig } from './config'

// SMTP_URL and MAIL_FROM: email on with both, off with neither, and a start-up error naming the key
// otherwise (case 55: a plain smtp:// server elsewhere than loopback must offer STARTTLS).

describe('parseMailConfig', () => {
  it('is off, without problems, when neither key is set', () => {
    expect(parseMailConfig({})).toEqual({ problems: [] })
  })

  it('reads smtps:// with credentials, decoded, and the defaults', () => {
    const { mail, problems } = parseMailConfig({
      SMTP_URL: 'smtps://login%40acme.example:p%40ss%2Fword@mail.acme.example',
      MAIL_FROM: 'Acme Login <login@acme.example>',
    })
    expect(problems).toEqual([])
    expect(mail).toEqual({
      host: 'mail.acme.example',
      port: 465,
      secure: true,
      requireTls: false,
      auth: { user: 'login@acme.example', pass: 'p@ss/word' },
      from: 'Acme Login <login@acme.example>',
      signInAlerts: false,
      resetTtlMinutes: 30,
      verifyTtlHours: 72,
      resetsPerAccount: 5,
      resetsPerAddress: 50,
      retryBaseMs: 5000,
      pollMs: 1000,
    })
  })

  it('requires STARTTLS for plain smtp:// except on a loopback host', () => {
    const remote = parseMailConfig({ SMTP_URL: 'smtp://mail.acme.example', MAIL_FROM: 'login@acme.example' }).mail
    expect(remote).toMatchObject({ port: 587, secure: false, requireTls: true })
    expect(remote?.auth).toBeUndefined()
    const local = parseMailConfig({ SMTP_URL: 'smtp://127.0.0.1:2525', MAIL_FROM: 'login@acme.example' }).mail
    expect(local).toMatchObject({ host: '127.0.0.1', port: 2525, requireTls: false })
  })

  it('names every bad key, without repeating the password', () => {
    const { mail, problems } = parseMailConfig({
      SMTP_URL: 'https://user:hunter2-secret@mail.acme.example',
      MAIL_FROM: 'not an address',
      MAIL_SIGN_IN_ALERTS: 'yes',
      PASSWORD_RESET_TTL_MINUTES: '1',
    })
    expect(mail).toBeUndefined()
    expect(problems).toEqual([
      'MAIL_SIGN_IN_ALERTS must be on or off',
      'MAIL_FROM must be an address such as "Acme Login <login@acme.example>"',
      'SMTP_URL must be smtps://user:password@host:465 or smtp://user:password@host:587 (STARTTLS); it starts with https:',
      'PASSWORD_RESET_TTL_MINUTES must be a whole number from 5 to 1440',
    ])
    expect(problems.join(' ')).not.toContain('hunter2')
  })

  it('names a password that is not percent-encoded, without repeating it', () => {
    const { mail, problems } = parseMailConfig({
      SMTP_URL: 'smtps://login:50%off-secret@mail.acme.example',
      MAIL_FROM: 'login@acme.example',
    })
    expect(mail).toBeUndefined()
    expect(problems).toEqual(['SMTP_URL: the user name or password is not percent-encoded properly (write % as %25, @ as %40, / as %2F)'])
    expect(problems.join(' ')).not.toContain('off-secret')
  })

  it('wants both keys, and alerts only with email on', () => {
    expect(parseMailConfig({ SMTP_URL: 'smtps://mail.acme.example' }).problems).toEqual([
      'MAIL_FROM is required when SMTP_URL is set, e.g. "Acme Login <login@acme.example>"',
    ])
    expect(parseMailConfig({ MAIL_FROM: 'login@acme.example' }).problems).toEqual([
      'SMTP_URL is required when MAIL_FROM is set (or unset both to turn email off)',
    ])
    expect(parseMailConfig({ MAIL_SIGN_IN_ALERTS: 'on' }).problems).toEqual(['MAIL_SIGN_IN_ALERTS=on needs SMTP_URL and MAIL_FROM'])
    expect(parseMailConfig({ SMTP_URL: 'smtps://m.example', MAIL_FROM: 'a@b.example', MAIL_SIGN_IN_ALERTS: 'on' }).mail?.signInAlerts).toBe(
      true,
    )
  })

  it('refuses a From header split over lines', () => {
    expect(parseMailConfig({ SMTP_URL: 'smtps://m.example', MAIL_FROM: 'Acme\r\nBcc: x@y.example <a@b.example>' }).problems).toEqual([
      'MAIL_FROM must be one line',
    ])
  })
})
