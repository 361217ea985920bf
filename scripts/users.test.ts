import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
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

  function runUsers(args: string[], stdin = '', env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'scripts/users.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: `file:${file}`, NODE_OPTIONS: '', ...env },
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
        '--group and --role go with add or invite; use set-groups or set-roles to change an existing user.',
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

  const audit = () => handle.db.selectFrom('admin_audit').select(['actor', 'action', 'target', 'ip', 'detail']).orderBy('id').execute()

  it('writes an audit row for each change, by cli:<os user>, and none for a refused one', { timeout: 60_000 }, async () => {
    const actor = `cli:${os.userInfo().username}`
    const before = (await audit()).length
    expect(await runUsers(['disable', 'bo@example.com'])).toEqual({
      code: 0,
      stdout: 'Disabled bo@example.com and signed them out everywhere.\n',
      stderr: '',
    })
    expect(await runUsers(['enable', 'bo@example.com'])).toEqual({ code: 0, stdout: 'Enabled bo@example.com.\n', stderr: '' })
    expect(await runUsers(['sign-out-everywhere', 'Bo@example.com'])).toEqual({
      code: 0,
      stdout: 'Signed bo@example.com out everywhere.\n',
      stderr: '',
    })
    expect(await runUsers(['set-password', 'bo@example.com'], 'another password\n')).toMatchObject({ code: 0 })
    expect(await runUsers(['disable', 'nobody@example.com'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No user with the email nobody@example.com.\n',
    })
    const rows = (await audit()).slice(before)
    expect(rows.map(({ actor, action, target, ip }) => ({ actor, action, target, ip }))).toEqual([
      { actor, action: 'user.disable', target: 'bo@example.com', ip: null },
      { actor, action: 'user.enable', target: 'bo@example.com', ip: null },
      { actor, action: 'user.sign_out_everywhere', target: 'bo@example.com', ip: null },
      { actor, action: 'user.set_password', target: 'bo@example.com', ip: null },
    ])
    expect(rows[3]!.detail).toBeNull()
    const bo = await handle.db
      .selectFrom('users')
      .select(['disabled', 'sessions_revoked_at'])
      .where('email', '=', 'bo@example.com')
      .executeTakeFirst()
    expect(bo!.disabled).toBe(0)
    expect(bo!.sessions_revoked_at).toBe(JSON.parse(rows[2]!.detail!).sessions_revoked_at)
    // Rows of the earlier cases: add, set-groups and set-roles are audited too.
    expect((await audit()).slice(0, 2)).toEqual([
      {
        actor,
        action: 'user.add',
        target: 'ada@example.com',
        ip: null,
        detail: '{"is_admin":true,"groups":["eng","Site Reliability"],"roles":["editor"]}',
      },
      { actor, action: 'user.add', target: 'bo@example.com', ip: null, detail: '{"is_admin":false,"groups":[],"roles":[]}' },
    ])
    expect((await audit()).find((row) => row.action === 'user.set_groups')).toEqual({
      actor,
      action: 'user.set_groups',
      target: 'bo@example.com',
      ip: null,
      detail: '{"before":[],"after":["ops","on call"]}',
    })
  })

  it('invite prints a single-use link instead of reading a password, and list shows the user as invited', { timeout: 60_000 }, async () => {
    expect(await runUsers(['invite', 'cy@example.com', '--name', 'Cy'], '', { APP_URL: '' })).toEqual({
      code: 1,
      stdout: '',
      stderr: "invite needs APP_URL (the bridge's public origin, as the bridge has it) to print the link.\n",
    })
    expect(
      await runUsers(['invite', 'cy@example.com', '--name', 'Cy'], '', { APP_URL: 'https://login.example.com', INVITATION_TTL_HOURS: '0' }),
    ).toEqual({
      code: 1,
      stdout: '',
      stderr: 'The bridge is not configured correctly (see .env.example):\n  - INVITATION_TTL_HOURS must be a whole number from 1 to 720\n',
    })
    const started = Date.now()
    const run = await runUsers(['invite', 'Cy@example.com', '--name', 'Cy', '--group', 'eng'], '', {
      APP_URL: 'https://login.example.com/',
      INVITATION_TTL_HOURS: '5',
    })
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const [line, link, rest] = run.stdout.split('\n')
    expect(line).toBe('Invited cy@example.com. This link sets their password, once, within 5 hours:')
    expect(link).toMatch(/^https:\/\/login\.example\.com\/invite\/[A-Za-z0-9_-]{43}$/)
    expect(rest).toBe('')
    const token = link!.split('/').at(-1)!
    const invitation = await handle.db.selectFrom('invitations').selectAll().executeTakeFirstOrThrow()
    expect(invitation.token_hash).toBe(createHash('sha256').update(token).digest('hex'))
    expect(invitation.created_by).toBe(`cli:${os.userInfo().username}`)
    expect(invitation.expires_at - invitation.created_at).toBe(5 * 3600_000)
    expect(invitation.created_at).toBeGreaterThanOrEqual(started)
    const row = (await audit()).at(-1)!
    expect(row).toMatchObject({ action: 'user.invite', target: 'cy@example.com', ip: null })
    expect(row.detail).not.toContain(token)
    expect((await runUsers(['list'])).stdout.split('\n')[2]).toBe('cy@example.com\t"Cy"\tinvited\tgroups: eng')
  })
})
