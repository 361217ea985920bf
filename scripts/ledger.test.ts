import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../lib/db'

// The real `npm run ledger -- purge`, as a child process against a temporary SQLite file.

const ROOT = path.resolve(__dirname, '..')
const DAY = 24 * 60 * 60 * 1000

interface Run {
  code: number
  stdout: string
  stderr: string
}

function runLedger(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  // Nothing of the developer's own DATABASE_URL or retention reaches the script.
  const childEnv: NodeJS.ProcessEnv = { ...process.env }
  delete childEnv.DATABASE_URL
  delete childEnv.LEDGER_RETENTION_DAYS
  for (const [key, value] of Object.entries(env)) if (value !== undefined) childEnv[key] = value
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=react-server', '--import', 'tsx', 'scripts/ledger.ts', ...args],
      { cwd: ROOT, env: childEnv, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

describe('npm run ledger -- purge', () => {
  let dir: string
  let file: string
  let handle: DatabaseHandle

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-'))
    file = path.join(dir, 'bridge.db')
    handle = await openDatabase(`file:${file}`)
    await migrateToLatest(handle)
  })
  afterAll(async () => {
    await handle?.db.destroy()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  async function seed(ages: Record<string, number>) {
    const now = Date.now()
    for (const [id, days] of Object.entries(ages)) {
      const created = now - days * DAY
      await handle.db
        .insertInto('login_requests')
        .values({
          id,
          connection_id: 'conn_1',
          server_key: 'default',
          state_hash: 'hash',
          status: 'completed',
          created_at: created,
          updated_at: created,
          expires_at: created + 600_000,
          signed_in_at: null,
          submitted_at: null,
          finished_at: null,
          identity_source: 'local',
          user_sub: null,
          user_email: null,
          auth_request_id: null,
          error_code: null,
          error_message: null,
          ip: null,
          user_agent: null,
          claims: null,
        })
        .execute()
      await handle.db
        .insertInto('login_events')
        .values([
          { login_request_id: id, at: created, type: 'received', detail: null },
          { login_request_id: id, at: created + 1000, type: 'completed', detail: null },
        ])
        .execute()
    }
  }

  const remaining = async () => (await handle.db.selectFrom('login_requests').select('id').orderBy('id').execute()).map((row) => row.id)
  const events = async () =>
    (await handle.db.selectFrom('login_events').select('login_request_id').execute()).map((row) => row.login_request_id).sort()

  it(
    'deletes what is older than the retention period, from LEDGER_RETENTION_DAYS, the default or --days',
    { timeout: 60_000 },
    async () => {
      await seed({ r_400d: 400, r_100d: 100, r_40d: 40, r_10d: 10, r_1d: 1 })
      const env = { DATABASE_URL: `file:${file}` }

      const byDefault = await runLedger(['purge'], env)
      expect(byDefault.stderr).toBe('')
      expect(byDefault.code).toBe(0)
      expect(byDefault.stdout).toMatch(
        /^Purged 2 login requests and 4 events older than (\S+) \(retention 90 days\), 0 login requests nobody acted on \(6 hours after they expired\), and 0 spent sign-in throttle entries\.\n$/,
      )
      const cutoff = Date.parse(/older than (\S+) /.exec(byDefault.stdout)![1]!)
      expect(Math.abs(cutoff - (Date.now() - 90 * DAY))).toBeLessThan(60_000)
      expect(await remaining()).toEqual(['r_10d', 'r_1d', 'r_40d'])

      const fromEnv = await runLedger(['purge'], { ...env, LEDGER_RETENTION_DAYS: '30' })
      expect(fromEnv.code).toBe(0)
      expect(fromEnv.stdout).toMatch(
        /^Purged 1 login requests and 2 events older than \S+ \(retention 30 days\), 0 login requests nobody acted on \(6 hours after they expired\), and 0 spent sign-in throttle entries\.\n$/,
      )

      const fromFlag = await runLedger(['purge', '--days', '5'], { ...env, LEDGER_RETENTION_DAYS: '30' })
      expect(fromFlag.code).toBe(0)
      expect(fromFlag.stdout).toMatch(
        /^Purged 1 login requests and 2 events older than \S+ \(retention 5 days\), 0 login requests nobody acted on \(6 hours after they expired\), and 0 spent sign-in throttle entries\.\n$/,
      )
      expect(await remaining()).toEqual(['r_1d'])
      expect(await events()).toEqual(['r_1d', 'r_1d'])

      const nothing = await runLedger(['purge', '--days=5'], env)
      expect(nothing.stdout).toMatch(/^Purged 0 login requests and 0 events older than/)
    },
  )

  it('refuses bad input with exit code 2 and the usage, touching nothing', { timeout: 60_000 }, async () => {
    const env = { DATABASE_URL: `file:${file}` }
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [[], {}, /No command given/],
      [['prune'], {}, /Unknown command "prune"/],
      [['purge', 'now'], {}, /Unexpected argument "now"/],
      [['purge', '--days', '0'], {}, /--days must be a whole number from 1 to 3650/],
      [['purge', '--days', '3651'], {}, /--days must be a whole number from 1 to 3650/],
      [['purge', '--days', '7.5'], {}, /--days must be a whole number/],
      [['purge', '--days', 'ten'], {}, /--days must be a whole number/],
      [['purge', '--days'], {}, /--days/],
      [['purge', '--weeks', '2'], {}, /--weeks/],
      [['purge'], { LEDGER_RETENTION_DAYS: '0' }, /LEDGER_RETENTION_DAYS must be a whole number from 1 to 3650/],
      [['purge'], { LEDGER_RETENTION_DAYS: 'forever' }, /LEDGER_RETENTION_DAYS must be a whole number/],
    ]
    const before = await remaining()
    const runs = await Promise.all(cases.map(([args, extra]) => runLedger(args, { ...env, ...extra })))
    runs.forEach((run, i) => {
      const [args, , message] = cases[i]!
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.stdout).toBe('')
      expect(run.stderr).toMatch(message)
      expect(run.stderr).toContain('Usage:\n  npm run ledger -- purge [--days N]')
    })
    expect(await remaining()).toEqual(before)
  })
})
