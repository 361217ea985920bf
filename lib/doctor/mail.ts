import 'server-only'
import { parseMailConfig } from '../mail/config'
import { verifyMailServer } from '../mail/transport'
import { fail, pass, skip, type EnvSource, type Finding } from './findings'

// Email (SMTP_URL, MAIL_FROM): off is a choice, not a fault; on, the doctor connects to the SMTP
// server and signs in as the mail worker will, so a wrong host, port, TLS mode or password shows
// here rather than as messages that never arrive. The password is never printed.

const HINTS: Record<string, string> = {
  EAUTH: 'The server refused the user name or password in SMTP_URL (percent-encode @, : and / in them).',
  ESOCKET: 'The connection or its TLS failed: check the host and the port (smtps:// is for port 465, smtp:// with STARTTLS for 587).',
  ETIMEDOUT: 'No answer in time: check the host, the port and any firewall between the bridge and the mail server.',
  ECONNECTION: 'The connection failed: check the host and the port.',
  EDNS: 'The host name in SMTP_URL does not resolve.',
}

export async function checkMail(source: EnvSource, timeoutMs: number): Promise<Finding> {
  const { mail, problems } = parseMailConfig(source)
  if (problems.length) return fail('mail', `Email is misconfigured: ${problems.join('; ')}.`, 'Correct the mail keys (docs/email.md).')
  if (!mail) {
    return skip(
      'mail',
      'Email is off (SMTP_URL and MAIL_FROM unset): the pages ask people to contact their administrator for a password reset.',
      'Set SMTP_URL and MAIL_FROM to offer forgot password, verified addresses and invitations by email (docs/email.md).',
    )
  }
  const where = `${mail.secure ? 'smtps' : 'smtp'}://${mail.host}:${mail.port}`
  const result = await verifyMailServer(mail, timeoutMs)
  if (result.ok) return pass('mail', `The SMTP server at ${where} accepted a connection${mail.auth ? ' and the sign-in' : ''}.`)
  const code = result.error.split(' ')[0] ?? ''
  return fail('mail', `The SMTP server at ${where} could not be used (${result.error}).`, HINTS[code] ?? 'Check SMTP_URL (docs/email.md).')
}
