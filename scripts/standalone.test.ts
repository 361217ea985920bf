import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMigrator, openDatabase } from '../lib/db'
import { postgresAvailable } from '../lib/db/testing'

// The operator commands as the container image ships them: bundled by scripts/standalone.mjs into
// one .cjs file each and run with plain node, no tsx and no source tree. Bundled under the project
// (.data/), so the packages left out of the bundles resolve as they do from .next/standalone.

const ROOT = path.resolve(__dirname, '..')
const OUT = path.join(ROOT, '.data', `commands-test-${process.pid}`)

interface Run {
  code: number
  stdout: string
  stderr: string
}

function runCommand(name: string, args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(OUT, `${name}.cjs`), ...args],
      { cwd: os.tmpdir(), env: { NODE_ENV: 'production', PATH: process.env.PATH, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    )
    child.stdin?.end(stdin ?? '')
  })
}

async function migrationNames(): Promise<string[]> {
  const handle = await openDatabase('file::memory:')
  try {
    return (await (await createMigrator(handle)).getMigrations()).map((migration) => migration.name)
  } finally {
    await handle.db.destroy()
  }
}

describe('the bundled operator commands', () => {
  let dir: string
  let migrations: string[]

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/standalone.mjs'), '--commands-only', OUT], { cwd: ROOT })
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundled-commands-'))
    migrations = await migrationNames()
  }, 60_000)

  afterAll(() => {
    fs.rmSync(OUT, { recursive: true, force: true })
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('bundles each command into one file', () => {
    expect(fs.readdirSync(OUT).sort()).toEqual(['db-migrate.cjs', 'doctor.cjs', 'ledger.cjs', 'users.cjs'])
  })

  it('db-migrate migrates a new SQLite database, then finds it up to date', async () => {
    const env = { DATABASE_URL: `file:${path.join(dir, 'migrate.db')}` }
    expect(migrations.length).toBeGreaterThan(0)
    expect(await runCommand('db-migrate', [], env)).toEqual({ code: 0, stdout: `Applied: ${migrations.join(', ')}\n`, stderr: '' })
    expect(await runCommand('db-migrate', [], env)).toEqual({ code: 0, stdout: 'The database is up to date.\n', stderr: '' })
  })

  it('users adds an account with the password from stdin, then lists it; ledger purges', async () => {
    const env = { DATABASE_URL: `file:${path.join(dir, 'users.db')}` }
    const added = await runCommand(
      'users',
      ['add', 'ops@example.com', '--name', 'Ops Person', '--admin'],
      env,
      'a-long-enough-password-1\n',
    )
    expect(added).toMatchObject({ code: 0, stdout: 'Added ops@example.com (admin).\n' })
    expect(await runCommand('users', ['list'], env)).toMatchObject({ code: 0, stdout: 'ops@example.com\t"Ops Person"\tadmin\n' })
    const purged = await runCommand('ledger', ['purge'], env)
    expect(purged.code).toBe(0)
    expect(purged.stdout).toMatch(/^Purged 0 login requests and 0 events older than \S+ \(retention 90 days\)/)
  })

  it('doctor prints its usage, and refuses an unknown option with exit code 2', async () => {
    const help = await runCommand('doctor', ['--help'], {})
    expect(help.code).toBe(0)
    expect(help.stdout.startsWith('Usage:\n  npm run doctor [-- --env <path>]... [--json]\n')).toBe(true)
    expect((await runCommand('doctor', ['--no-such-option'], {})).code).toBe(2)
  })

  it('db-migrate migrates PostgreSQL with the bundled driver', async (context) => {
    const skip = await postgresAvailable()
    if (skip) return context.skip(skip)
    const base = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
    const schema = `t_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: base })
    await admin.connect()
    try {
      await admin.query(`create schema ${schema}`)
      const url = new URL(base)
      url.searchParams.set('options', `-c search_path=${schema}`)
      const env = { DATABASE_URL: url.toString() }
      expect(await runCommand('db-migrate', [], env)).toEqual({ code: 0, stdout: `Applied: ${migrations.join(', ')}\n`, stderr: '' })
      expect(await runCommand('db-migrate', [], env)).toEqual({ code: 0, stdout: 'The database is up to date.\n', stderr: '' })
    } finally {
      await admin.query(`drop schema ${schema} cascade`)
      await admin.end()
    }
  })
})
