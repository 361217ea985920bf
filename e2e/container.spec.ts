import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test, expect } from './fixtures'
import { APP_URL, bridgeEnv, SCALEKIT_URL } from './support/config'
import { createLoginRequest, readLoginRequest } from './support/stand-in-api'
import { partnerCallback } from './support/flows'

// The container image itself (Dockerfile): built, run on the host's network with its own SQLite
// database in /data, an account added with the bundled `users` command inside it, a login to
// partner:callback, then `docker stop`: the graceful shutdown ends with code 0. Skipped, with the
// reason, where no container engine answers; the standalone server it runs is tested on every run
// (e2e/standalone.spec.ts, e2e/shutdown.spec.ts).

const CONTAINER_PORT = 3803
const IMAGE = 'byoa-bridge:e2e'

function findEngine(): { command: string } | { reason: string } {
  const reasons: string[] = []
  for (const command of ['docker', 'podman']) {
    const probe = spawnSync(command, ['info'], { timeout: 15_000, encoding: 'utf8' })
    if (probe.error) continue
    if (probe.status === 0) return { command }
    reasons.push(`${command} is installed but no engine answers it`)
  }
  return { reason: `no container engine (${reasons.length ? reasons.join('; ') : 'neither docker nor podman is installed'})` }
}

const engine = findEngine()

test.describe('the container image', () => {
  test.skip(!('command' in engine), 'reason' in engine ? engine.reason : '')
  if ('reason' in engine) console.log(`SKIPPED: the container image cases: ${engine.reason}`)

  test('builds, serves a login to partner:callback, runs the operator commands, and stops with code 0', async ({ page, loginPage }) => {
    test.setTimeout(20 * 60_000)
    const run = (args: string[], input?: string) =>
      execFileSync((engine as { command: string }).command, args, { encoding: 'utf8', input, timeout: 15 * 60_000 }).trim()
    run(['build', '--tag', IMAGE, '.'])

    const url = `http://localhost:${CONTAINER_PORT}`
    const env = bridgeEnv({ APP_URL: url, PORT: String(CONTAINER_PORT), HOSTNAME: '127.0.0.1' })
    delete env.DATABASE_URL
    delete env.NODE_OPTIONS
    const envFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-container-')), 'bridge.env')
    fs.writeFileSync(
      envFile,
      Object.entries(env)
        .map(([key, value]) => `${key}=${value}`)
        .join('\n'),
      { mode: 0o600 },
    )
    const id = run(['run', '--detach', '--network', 'host', '--env-file', envFile, IMAGE])
    try {
      await expect.poll(async () => (await fetch(`${url}/api/health`).catch(() => null))?.status, { timeout: 60_000 }).toBe(200)
      expect(
        run(
          ['exec', '-i', id, 'node', 'commands/users.cjs', 'add', 'container@example.com', '--name', 'In Container'],
          'container-password-1\n',
        ),
      ).toBe('Added container@example.com.')
      expect(run(['exec', id, 'node', 'commands/db-migrate.cjs'])).toBe('The database is up to date.')
      expect(run(['exec', id, 'id', '-un'])).toBe('node')

      const request = await createLoginRequest()
      await loginPage.open(request.loginUrl.replace(APP_URL, url))
      const callback = page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
      await loginPage.signIn('container@example.com', 'container-password-1')
      expect((await callback).url()).toBe(partnerCallback(request.state))
      expect(await readLoginRequest(request.loginRequestId)).toMatchObject({
        userDetailsCalls: 1,
        user: { email: 'container@example.com' },
      })
      await expect.poll(() => run(['inspect', '--format', '{{.State.Health.Status}}', id]), { timeout: 60_000 }).toBe('healthy')

      run(['stop', '--time', '30', id])
      expect(run(['wait', id])).toBe('0')
    } finally {
      run(['rm', '--force', id])
      fs.rmSync(path.dirname(envFile), { recursive: true, force: true })
    }
  })
})
