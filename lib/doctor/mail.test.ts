import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMailCatcher, type MailCatcher } from '../../e2e/mail-catcher/catcher'
import { checkMail } from './mail'
import { redactFinding, secretValues } from './findings'

// The doctor's mail line against a real SMTP server (smtp-server with credentials). Case 55: the
// SMTP password never reaches the doctor's output.

let catcher: MailCatcher
const PASSWORD = 'doctor-smtp-p@ss'

beforeAll(async () => {
  catcher = await startMailCatcher({ smtpPort: 0, user: 'bridge', password: PASSWORD })
})
afterAll(() => catcher.close())

const source = (password: string) => ({
  SMTP_URL: `smtp://bridge:${encodeURIComponent(password)}@127.0.0.1:${catcher.smtpPort}`,
  MAIL_FROM: 'Acme Login <login@acme.example>',
})

describe('checkMail', () => {
  it('passes when the server takes the connection and the sign-in', async () => {
    expect(await checkMail(source(PASSWORD), 2000)).toEqual({
      id: 'mail',
      status: 'pass',
      summary: `The SMTP server at smtp://127.0.0.1:${catcher.smtpPort} accepted a connection and the sign-in.`,
    })
  })

  it('case 55: fails on a wrong password, says what to fix, and never prints the password', async () => {
    const wrong = 'not-the-password-1'
    const finding = redactFinding(await checkMail(source(wrong), 2000), secretValues(source(wrong)))
    expect(finding).toMatchObject({ id: 'mail', status: 'fail' })
    expect(finding.summary).toBe(`The SMTP server at smtp://127.0.0.1:${catcher.smtpPort} could not be used (EAUTH 535).`)
    expect(finding.fix).toContain('refused the user name or password')
    expect(JSON.stringify(finding)).not.toContain(wrong)
    expect(secretValues(source(wrong))).toContain(wrong)
  })

  it('fails when nothing listens, and skips when email is off', async () => {
    const closed = await checkMail({ SMTP_URL: 'smtp://127.0.0.1:1', MAIL_FROM: 'login@acme.example' }, 2000)
    expect(closed).toMatchObject({ status: 'fail', summary: 'The SMTP server at smtp://127.0.0.1:1 could not be used (ESOCKET).' })
    expect((await checkMail({}, 2000)).status).toBe('skip')
    expect((await checkMail({ MAIL_FROM: 'login@acme.example' }, 2000)).status).toBe('fail')
  })
})
