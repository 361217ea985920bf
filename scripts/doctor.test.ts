import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnvSource, Finding } from '../lib/doctor/findings'
import { AUTH_SECRET, byId, SESSION_SECRET, setUpDoctorServers, WRONG_SECRET } from '../lib/doctor/testing'

// The real `npm run doctor`, as a child process against the Scalekit stand-in and the fake bridge.

const ROOT = path.resolve(__dirname, '..')

const servers = setUpDoctorServers()

interface Run {
  code: number
  stdout: string
  stderr: string
}

function runCli(args: string[]): Promise<Run> {
  // Only what npx needs: none of the developer's own configuration reaches the doctor.
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'test', PATH: process.env.PATH, HOME: process.env.HOME }
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', '--conditions=react-server', 'scripts/doctor.ts', ...args],
      { cwd: ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
      },
    )
  })
}

describe('npm run doctor', () => {
  let dir: string

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-cli-'))
  })
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true })
  })

  function envFile(name: string, values: EnvSource): string {
    const file = path.join(dir, name)
    fs.writeFileSync(
      file,
      Object.entries(values)
        .map(([key, value]) => `${key}=${value}`)
        .join('\n') + '\n',
    )
    return file
  }

  it('fails a wrong client secret with exit code 1 and never prints a secret', { timeout: 60_000 }, async () => {
    const file = envFile('wrong.env', servers.validEnv({ SCALEKIT_CLIENT_SECRET: WRONG_SECRET }))
    const run = await runCli(['--env', file])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /^FAIL {2}scalekit\.credentials +Scalekit refused the client credentials \(HTTP 401 invalid_client\)\. Fix: Copy SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET again from Dashboard > Settings > API Credentials/m,
    )
    expect(run.stdout).toMatch(/^PASS {2}login\.coop +GET \/login \(HTTP 400\) sends Cross-Origin-Opener-Policy: unsafe-none\.$/m)
    expect(run.stdout).toMatch(/^1 failed, 1 warning, 9 passed, 3 skipped\.$/m)
    // Email is off in this configuration: the mail line is one of the skips.
    expect(run.stdout).toMatch(/^SKIP  mail +Email is off/m)
    for (const secret of [WRONG_SECRET, SESSION_SECRET, AUTH_SECRET, servers.standIn.config.clientSecret]) {
      expect(run.stdout).not.toContain(secret)
      expect(run.stderr).not.toContain(secret)
    }

    const json = await runCli(['--env', file, '--json'])
    expect(json.code).toBe(1)
    expect(json.stdout).not.toContain(WRONG_SECRET)
    const report = JSON.parse(json.stdout) as { ok: boolean; findings: Finding[] }
    expect(report.ok).toBe(false)
    expect(byId(report.findings, 'scalekit.credentials').status).toBe('fail')
  })

  it('exits 0 when nothing fails, and 2 for bad arguments', { timeout: 60_000 }, async () => {
    const good = await runCli(['--env', envFile('good.env', servers.validEnv())])
    expect(good.code).toBe(0)
    expect(good.stdout).toMatch(/^PASS {2}scalekit\.credentials /m)
    expect(good.stdout).not.toContain(servers.standIn.config.clientSecret)

    const unknown = await runCli(['--envfile', 'x'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Usage:')
    const missing = await runCli(['--env', path.join(dir, 'absent.env')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('absent.env')
    const help = await runCli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('npm run doctor')
  })
})
