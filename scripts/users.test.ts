import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../lib/db'

// The real `npm run users`, as a child process against a temporary SQLite file.

const ROOT = path.resolve(__dirname, '..')
const PASSWORD = 'correct horse'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

describe('npm run users: groups and roles', () => {
  let dir: string
  let file: string
  let handle: DatabaseHandle

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'users-cli-'))
    file = path.join(dir, 'bridge.db')
    handle = await openDatabase(`file:${file}`)
    await migrateToLatest(handle)
  })
  afterAll(async () => {
    await handle?.db.destroy()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  function runUsers(args: string[], stdin = ''): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'scripts/users.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: `file:${file}`, NODE_OPTIONS: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += String(chunk)))
      child.stderr.on('data', (chunk) => (stderr += String(chunk)))
      child.on('error', reject)
      child.on('exit', (code) => resolve({ code, stdout, stderr }))
      child.stdin.end(stdin)
    })
  }

  const row = (email: string) =>
    handle.db.selectFrom('users').select(['email', 'is_admin', 'groups', 'roles']).where('email', '=', email).executeTakeFirst()

  it('adds users with repeated --group and --role, and lists them', { timeout: 60_000 }, async () => {
    const add = await runUsers(
      [
        'add',
        'Ada@Example.com',
        '--name',
        'Ada L',
        '--admin',
        '--group',
        'eng',
        '--group',
        'Site Reliability',
        '--group',
        'eng',
        '--role',
        'editor',
      ],
      `${PASSWORD}\n`,
    )
    expect(add).toEqual({ code: 0, stdout: 'Added ada@example.com (admin). Groups: eng, Site Reliability. Roles: editor.\n', stderr: '' })
    expect(await row('ada@example.com')).toEqual({
      email: 'ada@example.com',
      is_admin: 1,
      groups: '["eng","Site Reliability"]',
      roles: '["editor"]',
    })

    const plain = await runUsers(['add', 'bo@example.com', '--name', 'Bo'], `${PASSWORD}\n`)
    expect(plain).toEqual({ code: 0, stdout: 'Added bo@example.com.\n', stderr: '' })
    expect(await row('bo@example.com')).toMatchObject({ groups: '[]', roles: '[]' })

    const list = await runUsers(['list'])
    expect(list).toEqual({
      code: 0,
      stdout: 'ada@example.com\t"Ada L"\tadmin\tgroups: eng, Site Reliability\troles: editor\nbo@example.com\t"Bo"\n',
      stderr: '',
    })
  })

  it('set-groups and set-roles replace the lists, and clear them when given no names', { timeout: 60_000 }, async () => {
    const groups = await runUsers(['set-groups', 'BO@example.com', 'ops', 'on call', 'ops'])
    expect(groups).toEqual({ code: 0, stdout: 'Set the groups of bo@example.com: ops, on call.\n', stderr: '' })
    const roles = await runUsers(['set-roles', 'bo@example.com', 'viewer'])
    expect(roles).toEqual({ code: 0, stdout: 'Set the roles of bo@example.com: viewer.\n', stderr: '' })
    expect(await row('bo@example.com')).toMatchObject({ groups: '["ops","on call"]', roles: '["viewer"]' })

    const list = await runUsers(['list'])
    expect(list.stdout.split('\n')[1]).toBe('bo@example.com\t"Bo"\tgroups: ops, on call\troles: viewer')

    expect(await runUsers(['set-groups', 'ada@example.com'])).toEqual({
      code: 0,
      stdout: 'Cleared the groups of ada@example.com.\n',
      stderr: '',
    })
    expect(await runUsers(['set-roles', 'ada@example.com'])).toEqual({
      code: 0,
      stdout: 'Cleared the roles of ada@example.com.\n',
      stderr: '',
    })
    expect(await row('ada@example.com')).toMatchObject({ groups: '[]', roles: '[]' })
    expect((await runUsers(['list'])).stdout.split('\n')[0]).toBe('ada@example.com\t"Ada L"\tadmin')
  })

  it('refuses bad names, unknown users and misplaced arguments, changing nothing', { timeout: 60_000 }, async () => {
    const before = await handle.db.selectFrom('users').selectAll().orderBy('email').execute()
    const cases: Array<[string[], number, string]> = [
      [['set-groups', 'bo@example.com', 'ok', 'a,b'], 1, 'The group name "a,b" must not contain a comma.\n'],
      [['set-roles', 'bo@example.com', ' admin'], 1, 'The role name " admin" must not start or end with whitespace.\n'],
      [['set-groups', 'nobody@example.com', 'eng'], 1, 'No user with the email nobody@example.com.\n'],
      [['set-roles'], 1, 'set-roles needs an email address.\n'],
      [
        ['add', 'cy@example.com', '--name', 'Cy', '--group', 'x'.repeat(65)],
        1,
        `The group name "${'x'.repeat(65)}" must be at most 64 characters.\n`,
      ],
    ]
    const usage = [
      [
        ['enable', 'bo@example.com', '--group', 'eng'],
        '--group and --role go with add; use set-groups or set-roles to change an existing user.',
      ],
      [['add', 'cy@example.com', '--name', 'Cy', 'Doe'], 'Unexpected argument "Doe".'],
      [['add', 'cy@example.com', '--role'], "Option '--role <value>' argument missing"],
      [['list', 'everyone'], 'Unexpected argument "everyone".'],
    ] as const
    const runs = await Promise.all([
      ...cases.map(([args]) => runUsers(args, `${PASSWORD}\n`)),
      ...usage.map(([args]) => runUsers([...args], `${PASSWORD}\n`)),
    ])
    cases.forEach(([args, code, stderr], i) => {
      expect(runs[i], args.join(' ')).toEqual({ code, stdout: '', stderr })
    })
    usage.forEach(([args, message], i) => {
      const run = runs[cases.length + i]!
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.stdout).toBe('')
      expect(run.stderr).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}\n\nUsage:\n`))
      expect(run.stderr).toContain('npm run users -- set-groups <email> [G...]')
    })
    expect(await handle.db.selectFrom('users').selectAll().orderBy('email').execute()).toEqual(before)
  })
})
