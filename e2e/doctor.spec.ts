import { execFile } from 'node:child_process'
import { test, expect } from './fixtures'
import { APP_URL, CLIENT_SECRET, SESSION_SECRET, AUTH_SECRET, SMTP_PASSWORD, SMTP_PORT, SMTP_USER, bridgeEnv } from './support/config'

// `npm run doctor` against the running bridge and the Scalekit stand-in: a deployment that works
// passes, and the classic mistakes fail with their fix, never printing a secret.

function doctor(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=react-server', '--import', 'tsx', 'scripts/doctor.ts', '--env', '/dev/null'],
      {
        env: { NODE_ENV: 'production', PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, NODE_OPTIONS: '' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    )
  })
}

const line = (stdout: string, id: string) =>
  stdout.split('\n').find((l) => new RegExp(`^[A-Z]{4} {2}${id.replace('.', '\\.')} `).test(l)) ?? ''

test.describe('npm run doctor against the running bridge', () => {
  test('a working deployment passes: credentials accepted, COOP unsafe-none on /login and /login/, ready', async () => {
    const run = await doctor(bridgeEnv())
    expect(run.code).toBe(0)
    expect(line(run.stdout, 'env')).toMatch(/^PASS/)
    expect(line(run.stdout, 'scalekit.credentials')).toMatch(/^PASS/)
    expect(line(run.stdout, 'app-url.health')).toMatch(/^PASS/)
    expect(line(run.stdout, 'login.coop')).toMatch(/^PASS .*unsafe-none/)
    expect(line(run.stdout, 'login-slash.coop')).toMatch(/^PASS .*unsafe-none/)
    expect(line(run.stdout, 'ready')).toMatch(/^PASS/)
    // Plain http is fine on this machine only, and the doctor says so.
    expect(line(run.stdout, 'app-url.https')).toMatch(/^WARN/)
    expect(line(run.stdout, 'scalekit.login-endpoint')).toContain(`${APP_URL}/login`)
    // The suite's SMTP server took the connection and the credentials in SMTP_URL.
    expect(line(run.stdout, 'mail')).toMatch(
      new RegExp(`^PASS {2}mail +The SMTP server at smtp://127\\.0\\.0\\.1:${SMTP_PORT} accepted a connection and the sign-in\\.$`),
    )
  })

  test('case 55: a res_ id, a wrong secret and a wrong SMTP password fail with their fixes, and no secret is printed', async () => {
    const run = await doctor(
      bridgeEnv({
        SCALEKIT_CONNECTION_ID: 'res_e2e00000001',
        SCALEKIT_CLIENT_SECRET: 'a-wrong-client-secret-for-doctor',
        SMTP_URL: `smtp://${SMTP_USER}:a-wrong-smtp-password@127.0.0.1:${SMTP_PORT}`,
      }),
    )
    expect(run.code).toBe(1)
    expect(line(run.stdout, 'connection-id')).toMatch(/^FAIL .*res_.*Advanced Configurations > Connection ID/)
    expect(line(run.stdout, 'scalekit.credentials')).toMatch(/^FAIL .*refused the client credentials.*Settings > API Credentials/)
    expect(line(run.stdout, 'mail')).toMatch(
      /^FAIL {2}mail +The SMTP server at smtp:\/\/127\.0\.0\.1:\d+ could not be used \(EAUTH 535\)\./,
    )
    for (const secret of [
      'a-wrong-client-secret-for-doctor',
      'a-wrong-smtp-password',
      SMTP_PASSWORD,
      CLIENT_SECRET,
      SESSION_SECRET,
      AUTH_SECRET,
    ]) {
      expect(run.stdout + run.stderr).not.toContain(secret)
    }
  })
})
