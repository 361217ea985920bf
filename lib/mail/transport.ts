import 'server-only'
import nodemailer, { type Transporter } from 'nodemailer'
import type { MailConfig } from './config'
import type { RenderedMail } from './templates'

// One nodemailer SMTP transport per process (a connection per message), built from SMTP_URL's parts with
// timeouts, so a server that hangs costs the worker a bounded wait and never a request. Errors are
// described by nodemailer's code and the SMTP response code only: its message may quote the
// server's reply, which can echo an address.

const TRANSPORT = Symbol.for('byoa-bridge.mail-transport')

function transport(config: MailConfig): Transporter {
  const holder = globalThis as { [TRANSPORT]?: { config: MailConfig; transporter: Transporter } }
  if (holder[TRANSPORT]?.config !== config) {
    holder[TRANSPORT] = {
      config,
      transporter: nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure,
        requireTLS: config.requireTls,
        auth: config.auth,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
        disableFileAccess: true,
        disableUrlAccess: true,
      }),
    }
  }
  return holder[TRANSPORT].transporter
}

export type SendResult = { ok: true } | { ok: false; error: string; permanent: boolean }

function describe(error: unknown): { error: string; permanent: boolean } {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown }
  const status = typeof responseCode === 'number' ? responseCode : null
  const name = typeof code === 'string' && /^[A-Z_]{2,20}$/.test(code) ? code : 'ERROR'
  // 5xx on the envelope or the message: the server refuses this message; sending it again changes nothing.
  const permanent = status !== null && status >= 500 && name !== 'EAUTH' && name !== 'ECONNECTION'
  return { error: status === null ? name : `${name} ${status}`, permanent }
}

export async function sendMail(config: MailConfig, to: string, mail: RenderedMail): Promise<SendResult> {
  try {
    await transport(config).sendMail({ from: config.from, to, subject: mail.subject, text: mail.text, html: mail.html })
    return { ok: true }
  } catch (error) {
    return { ok: false, ...describe(error) }
  }
}

/** Forgets the transport (at shutdown). */
export function closeMailTransport(): void {
  const holder = globalThis as { [TRANSPORT]?: { transporter: Transporter } }
  holder[TRANSPORT]?.transporter.close()
  delete holder[TRANSPORT]
}

/** Connects, says EHLO, upgrades to TLS where required and signs in, then hangs up: `npm run doctor`. */
export async function verifyMailServer(config: MailConfig, timeoutMs: number): Promise<SendResult> {
  const probe = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTls,
    auth: config.auth,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  })
  try {
    await probe.verify()
    return { ok: true }
  } catch (error) {
    return { ok: false, ...describe(error) }
  } finally {
    probe.close()
  }
}
