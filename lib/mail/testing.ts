import { afterAll, beforeAll } from 'vitest'
import { startMailCatcher, type MailCatcher } from '../../e2e/mail-catcher/catcher'
import { parseEnv, type Env } from '../env'

// The mail tests' set-up: the suite's SMTP server (e2e/mail-catcher, with a sign-in) for the test
// file, and a bridge's environment with email on that sends to it.

const SMTP_USER = 'bridge'
const SMTP_PASSWORD = 'smtp-test-password'

/** Starts an SMTP server for this test file (closed after it); read `.current` inside tests. */
export function mailCatcherForFile(): { current: MailCatcher } {
  const holder = {} as { current: MailCatcher }
  beforeAll(async () => {
    holder.current = await startMailCatcher({ smtpPort: 0, user: SMTP_USER, password: SMTP_PASSWORD })
  })
  afterAll(() => holder.current.close())
  return holder
}

/** A valid bridge environment with email on, sending to `catcher`; `extra` adds or replaces keys. */
export function mailTestEnv(catcher: MailCatcher, extra: Record<string, string> = {}): Env {
  return parseEnv({
    APP_URL: 'https://login.example.com',
    SCALEKIT_ENVIRONMENT_URL: 'https://acme.scalekit.dev',
    SCALEKIT_CLIENT_ID: 'skc_123',
    SCALEKIT_CLIENT_SECRET: 'secret',
    SCALEKIT_CONNECTION_ID: 'conn_12345',
    SESSION_SECRET: 'x'.repeat(32),
    AUTH_SECRET: 'y'.repeat(32),
    SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${catcher.smtpPort}`,
    MAIL_FROM: 'Acme Login <login@acme.example>',
    ...extra,
  })
}
