import { recordSecret } from '../support/issued-secrets'
import { MAIL_CATCHER_HTTP_PORT, SMTP_PASSWORD, SMTP_PORT, SMTP_USER } from '../support/config'
import { startCatcherHttp, startMailCatcher } from './catcher'

// The e2e suite's mail server: SMTP on SMTP_PORT (with credentials), and on MAIL_CATCHER_HTTP_PORT
//   GET  /_mail/health
//   GET  /_mail/messages?to=<address>  -> { messages: [...], stats }
//   POST /_mail/fault { mode: 'ok' | 'reject' | 'slow', delayMs? }
// Every link a message carries is recorded as a secret of the run (it holds a token), so the
// end-of-run scan proves no reset or verification link reached a log.

async function main() {
  const catcher = await startMailCatcher({
    smtpPort: SMTP_PORT,
    user: SMTP_USER,
    password: SMTP_PASSWORD,
    onMessage(mail) {
      for (const link of mail.links) {
        recordSecret('mail_link', link)
        const token = /\/([A-Za-z0-9_-]{43})(?:[/?#]|$)/.exec(link)?.[1]
        if (token) recordSecret('mail_token', token)
      }
    },
  })
  await startCatcherHttp(catcher, MAIL_CATCHER_HTTP_PORT)
  process.stdout.write(`mail catcher: SMTP on 127.0.0.1:${catcher.smtpPort}, control on http://127.0.0.1:${MAIL_CATCHER_HTTP_PORT}\n`)
}

void main()
