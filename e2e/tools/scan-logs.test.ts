import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLIENT_SECRET, SMTP_PASSWORD } from '../support/config'
import type { IssuedSecret } from '../support/issued-secrets'

// The real scanner, as a child process over temporary secrets and log files.

const ROOT = path.resolve(__dirname, '../..')

const PASSWORDS = ['pw-Alpha0123456789', 'pw-Bravo0123456789', 'pw-Charlie012345678', 'pw-"Delta\\0123456']
const SCALEKIT_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJza2NfZTJlIn0.c2lnbmF0dXJl'
// A state with characters encodeURIComponent escapes, as the stand-in's odd states have.
const STATE = 'state/with+odd=chars&more~xyz'
const RAW_LOGIN_REQUEST_ID = 'lri_AbCdEfGhIjKlMnOpQrStUvWx'
/** A password-reset link's token, as the suite's SMTP server records it (e2e/mail-catcher). */
const MAIL_TOKEN = 'Zm9vYmFyLXJlc2V0LXRva2VuLTAxMjM0NTY3ODlhYmNk'
const RECORDED: IssuedSecret[] = [
  ...PASSWORDS.map((value) => ({ kind: 'password', value })),
  { kind: 'scalekit_token', value: SCALEKIT_TOKEN },
  { kind: 'state', value: STATE },
  { kind: 'code', value: 'short' },
  { kind: 'browser_cookie', value: 'Fe26.2**0123456789abcdef*sealed' },
  { kind: 'mail_token', value: MAIL_TOKEN },
]

interface Run {
  code: number
  stdout: string
  stderr: string
}

let dir: string
let files = 0

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-e2e-logs-'))
})

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

function writeFile(lines: string[]): string {
  const file = path.join(dir, `file-${++files}.txt`)
  fs.writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

function writeSecrets(secrets: IssuedSecret[]): string {
  return writeFile(secrets.map((secret) => JSON.stringify(secret)))
}

function bridgeLine(event: string, fields: Record<string, string> = {}): string {
  return JSON.stringify({ t: '2026-01-01T00:00:00.000Z', event, ...fields })
}

/** A plausible clean bridge log: five completed logins, ids only as hashes. */
function cleanBridgeLog(logins = 5): string[] {
  const lines = ['▲ Next.js 16.4.6', '   - Local:        http://localhost:3100', ' ✓ Ready in 412ms']
  for (let i = 0; i < logins; i++) {
    const cid = `cid${i}Abcdefghi`.slice(0, 12)
    lines.push(
      bridgeLine('login_received', { cid }),
      bridgeLine('login_submitted', { cid }),
      bridgeLine('login_completed', { cid, source: 'local' }),
    )
  }
  return lines
}

function scan(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'e2e/tools/scan-logs.ts', ...args],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

describe('case 12: e2e/tools/scan-logs.ts finds secrets in the logs of a run', () => {
  it('passes a clean run, where a raw login request id outside bridge lines is allowed', async () => {
    const secrets = writeSecrets(RECORDED)
    const standInLog = writeFile([
      'scalekit stand-in listening on http://127.0.0.1:4110',
      `GET /login?login_request_id=${RAW_LOGIN_REQUEST_ID}`,
    ])
    const result = await scan(['--secrets', secrets, writeFile(cleanBridgeLog()), standInLog])

    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const summary = result.stdout.trim()
    expect(summary.split('\n')).toHaveLength(1)
    expect(summary).toMatch(
      /^scan-e2e-logs: \d+ secrets \(.*4 password.*1 scalekit_token.*1 state.*1 browser_cookie.*client_secret.*\) checked against 20 lines \(0 spans\) in 2 files, 5 logins completed: PASS$/,
    )
    // Values shorter than 8 characters are not checked: they would match by chance.
    expect(summary).not.toContain('code')
  })

  it('finds a leaked password by file and line, without printing it', async () => {
    const log = writeFile([...cleanBridgeLog().slice(0, 2), `sign-in failed for ${PASSWORDS[1]} attempt`, ...cleanBridgeLog().slice(2)])
    const result = await scan(['--secrets', writeSecrets(RECORDED), log])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${log}:3: password pw-B… (raw)`)
    expect(result.stdout).toMatch(/: FAIL \(1 findings, 0 problems\)$/m)
    expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORDS[1])
  })

  it('finds a state in its encodeURIComponent form, and a fixed secret of the suite', async () => {
    const log = writeFile([
      ...cleanBridgeLog(),
      `GET /api/auth/callback?state=${encodeURIComponent(STATE)}&x=1`,
      `Authorization: Basic ${CLIENT_SECRET}`,
    ])
    const result = await scan(['--secrets', writeSecrets(RECORDED), log])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${log}:19: state stat… (url-encoded)`)
    expect(result.stderr).toContain(`${log}:20: client_secret e2e-… (raw)`)
    expect(`${result.stdout}${result.stderr}`).not.toContain(encodeURIComponent(STATE))
    expect(`${result.stdout}${result.stderr}`).not.toContain(CLIENT_SECRET)
  })

  it('case 55: finds a reset token from a mailed link in a log, and its SMTP password', async () => {
    const log = writeFile([...cleanBridgeLog(), `GET /login/reset/${MAIL_TOKEN} 200`, `smtp://bridge:${SMTP_PASSWORD}@127.0.0.1`])
    const result = await scan(['--secrets', writeSecrets(RECORDED), log])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${log}:19: mail_token Zm9v… (raw)`)
    expect(result.stderr).toContain(`${log}:20: smtp_password e2e-… (raw)`)
    expect(`${result.stdout}${result.stderr}`).not.toContain(MAIL_TOKEN)
  })

  it('finds a password with a quote and a backslash in its JSON-escaped form', async () => {
    const log = writeFile([...cleanBridgeLog(), bridgeLine('sign_in_failed', { input: PASSWORDS[3]! })])
    const result = await scan(['--secrets', writeSecrets(RECORDED), log])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${log}:19: password pw-\\… (json-escaped)`)
    expect(`${result.stdout}${result.stderr}`).not.toContain(JSON.stringify(PASSWORDS[3]).slice(1, -1))
  })

  it('finds a raw login_request_id in a bridge JSON line', async () => {
    const log = writeFile([...cleanBridgeLog(), bridgeLine('login_rejected', { reason: 'mismatch', id: RAW_LOGIN_REQUEST_ID })])
    const result = await scan(['--secrets', writeSecrets(RECORDED), log])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${log}:19: raw login_request_id lri_… in a bridge log line`)
    expect(`${result.stdout}${result.stderr}`).not.toContain(RAW_LOGIN_REQUEST_ID)
  })

  it('fails when the secrets file holds too few passwords or no Scalekit token', async () => {
    const log = writeFile(cleanBridgeLog())
    const twoPasswords = await scan([
      '--secrets',
      writeSecrets(RECORDED.filter((secret) => secret.kind !== 'password' || PASSWORDS.slice(0, 2).includes(secret.value))),
      log,
    ])
    expect(twoPasswords.code).toBe(1)
    expect(twoPasswords.stderr).toContain('the secrets file holds 2 password (at least 3 expected)')

    const noToken = await scan(['--secrets', writeSecrets(RECORDED.filter((secret) => secret.kind !== 'scalekit_token')), log])
    expect(noToken.code).toBe(1)
    expect(noToken.stderr).toContain('the secrets file holds 0 scalekit_token (at least 1 expected)')
    expect(noToken.stdout).toMatch(/: FAIL \(0 findings, 1 problems\)$/m)
  })

  it('fails when the logs hold fewer than 5 completed logins', async () => {
    const result = await scan(['--secrets', writeSecrets(RECORDED), writeFile(cleanBridgeLog(4))])

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('the logs hold 4 login_completed lines (at least 5 expected)')
  })

  it('refuses to run without a secrets file or a log file', async () => {
    expect((await scan([writeFile(cleanBridgeLog())])).code).toBe(2)
    expect((await scan(['--secrets', writeSecrets(RECORDED)])).code).toBe(2)
    expect((await scan(['--secrets', path.join(dir, 'missing.jsonl'), writeFile(cleanBridgeLog())])).code).toBe(2)
  })
})

/** A span line as e2e/otlp/receiver.ts writes it. */
function spanLine(name: string, attributes: Record<string, unknown>): string {
  const ids = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', parentSpanId: null }
  return JSON.stringify({
    ...ids,
    name,
    kind: 1,
    service: 'byoa-bridge',
    scope: 'byoa-bridge',
    attributes,
    events: [],
    status: { code: 0 },
  })
}

function spansFile(lines: string[]): string {
  const file = path.join(dir, `spans-${++files}.jsonl`)
  fs.writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

const cleanSpans = () =>
  Array.from({ length: 20 }, (_, i) =>
    spanLine('login.receive', { 'bridge.cid': `cid${i}Abcdefgh`, 'http.target': '/login?state=[redacted]' }),
  )

describe('case 48: e2e/tools/scan-logs.ts finds secrets in the exported spans', () => {
  it('passes clean spans', async () => {
    const result = await scan(['--secrets', writeSecrets(RECORDED), writeFile(cleanBridgeLog()), spansFile(cleanSpans())])
    expect(result.stderr).toBe('')
    expect(result.stdout.trim()).toMatch(/checked against 38 lines \(20 spans\) in 2 files, 5 logins completed: PASS$/)
    expect(result.code).toBe(0)
  })

  it('finds a raw login request id, an email and a state in a span', async () => {
    const file = spansFile([
      ...cleanSpans(),
      spanLine('GET', { 'http.target': `/login?login_request_id=${RAW_LOGIN_REQUEST_ID}` }),
      spanLine('login.sign_in', { 'exception.message': 'no account for ada@example.com' }),
      spanLine('GET', { 'http.target': `/login?state=${encodeURIComponent(STATE)}` }),
    ])
    const result = await scan(['--secrets', writeSecrets(RECORDED), writeFile(cleanBridgeLog()), file])
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toEqual([
      `${file}:21: raw login_request_id lri_… in a span`,
      `${file}:22: email address ada@… in a span`,
      `${file}:23: state stat… (url-encoded)`,
    ])
  })

  it('fails when a spans file holds too few spans to prove anything', async () => {
    const result = await scan(['--secrets', writeSecrets(RECORDED), writeFile(cleanBridgeLog()), spansFile(cleanSpans().slice(0, 3))])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('the spans files hold 3 spans (at least 20 expected)')
  })
})
