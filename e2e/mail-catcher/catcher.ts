import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'
import { simpleParser } from 'mailparser'

// A real SMTP server in-process (smtp-server), for the e2e suite and `npm run demo`: it takes what
// the bridge's mail worker sends over SMTP, parses each message (mailparser) and keeps it in
// memory. Its faults make the cases where the mail server is down or slow: `reject` answers every
// connection 421 (a temporary failure, as a server going down does), `slow` holds each message
// for `delayMs` before accepting it, and `refuse` answers every recipient 550 (a permanent refusal).

export interface CaughtMail {
  id: number
  at: string
  from: string
  to: string[]
  subject: string
  text: string
  html: string
  /** The links in the text part, in order. */
  links: string[]
}

export type CatcherFault = { mode: 'ok' } | { mode: 'reject' } | { mode: 'refuse' } | { mode: 'slow'; delayMs: number }

export interface MailCatcher {
  smtpPort: number
  messages: CaughtMail[]
  fault: CatcherFault
  /** Connections refused while rejecting, and messages accepted: what a case waits on. */
  stats: { rejected: number; accepted: number }
  close(): Promise<void>
}

export interface CatcherOptions {
  smtpPort: number
  /** Required credentials: the bridge signs in as a real mail server would ask it to. */
  user?: string
  password?: string
  onMessage?: (mail: CaughtMail) => void
}

const LINK = /https?:\/\/[^\s<>"']+/g

export async function startMailCatcher(options: CatcherOptions): Promise<MailCatcher> {
  const catcher: MailCatcher = {
    smtpPort: options.smtpPort,
    messages: [],
    fault: { mode: 'ok' },
    stats: { rejected: 0, accepted: 0 },
    close: async () => {},
  }
  let next = 1
  const serverOptions: SMTPServerOptions = {
    // Loopback only, without TLS (the bridge requires TLS for any other host).
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !options.user,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) return callback(null, { user: auth.username })
      callback(new Error('Invalid username or password'))
    },
    onConnect(_session, callback) {
      if (catcher.fault.mode !== 'reject') return callback()
      catcher.stats.rejected += 1
      callback(Object.assign(new Error('Service not available, try again later'), { responseCode: 421 }))
    },
    onRcptTo(_address, _session, callback) {
      if (catcher.fault.mode !== 'refuse') return callback()
      catcher.stats.rejected += 1
      callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }))
    },
    onData(stream, session, callback) {
      const delay = catcher.fault.mode === 'slow' ? catcher.fault.delayMs : 0
      simpleParser(stream)
        .then(async (parsed) => {
          if (delay) await new Promise((resolve) => setTimeout(resolve, delay))
          const text = parsed.text ?? ''
          const mail: CaughtMail = {
            id: next++,
            at: new Date().toISOString(),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : '',
            // A link ends before the punctuation a sentence puts after it ("(https://...).").
            links: (text.match(LINK) ?? []).map((link) => link.replace(/[).,;:!?]+$/, '')),
          }
          catcher.messages.push(mail)
          catcher.stats.accepted += 1
          options.onMessage?.(mail)
          callback()
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))))
    },
  }
  const server = new SMTPServer(serverOptions)
  server.on('error', () => {})
  await new Promise<void>((resolve) => server.listen(options.smtpPort, '127.0.0.1', resolve))
  catcher.smtpPort = (server.server.address() as AddressInfo).port
  catcher.close = () => new Promise((resolve) => server.close(() => resolve()))
  return catcher
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** The demo's page of received mail: newest first, each message's text with its links clickable. */
function mailboxPage(messages: CaughtMail[]): string {
  const items = [...messages]
    .reverse()
    .map((m) => {
      const body = escapeHtml(m.text).replace(/https?:\/\/[^\s<>"']+?(?=[).,;:!?]*(?:\s|$))/g, (url) => `<a href="${url}">${url}</a>`)
      return `<article><h2>${escapeHtml(m.subject)}</h2><p class="meta">To ${escapeHtml(m.to.join(', '))} · ${escapeHtml(m.at)}</p><pre>${body}</pre></article>`
    })
    .join('')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo mailbox</title>
<meta http-equiv="refresh" content="5"><style>body{font-family:system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#111827}
article{border:1px solid #d1d5db;border-radius:8px;padding:1rem;margin:1rem 0}pre{white-space:pre-wrap;font:inherit}.meta{color:#4b5563;font-size:.9rem}</style></head>
<body><main><h1>Demo mailbox</h1><p>Every message the bridge sent through the demo's SMTP server (smtp-server on 127.0.0.1). This page refreshes every 5 seconds.</p>
${items || '<p>No messages yet. Try “Forgot your password?” on the sign-in page.</p>'}</main></body></html>`
}

/** The HTTP side: the mailbox page, and the JSON control API the e2e suite reads and drives. */
export function startCatcherHttp(catcher: MailCatcher, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const json = (status: number, value: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value))
    let body = ''
    req.on('data', (chunk) => (body += String(chunk)))
    req.on('end', () => {
      if (url.pathname === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(mailboxPage(catcher.messages))
      else if (url.pathname === '/_mail/health') json(200, { ok: true })
      else if (url.pathname === '/_mail/messages') {
        const to = url.searchParams.get('to')?.toLowerCase()
        json(200, { messages: to ? catcher.messages.filter((m) => m.to.includes(to)) : catcher.messages, stats: catcher.stats })
      } else if (url.pathname === '/_mail/fault' && req.method === 'POST') {
        catcher.fault = JSON.parse(body || '{"mode":"ok"}') as CatcherFault
        json(200, { ok: true })
      } else json(404, { error: 'not_found' })
    })
  })
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))
}
