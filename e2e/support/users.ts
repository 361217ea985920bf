import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { DATABASE_URL } from './config'
import { recordSecret } from './issued-secrets'

// Test users are created through the real CLI (`npm run users -- add`), with unique emails.

export interface TestUser {
  email: string
  password: string
  name: string
}

export function runUsersCli(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'scripts/users.ts', ...args], {
      env: { ...process.env, DATABASE_URL, NODE_OPTIONS: '' },
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

export async function createUser(
  options: { name?: string; admin?: boolean; emailVerified?: boolean; prefix?: string; groups?: string[]; roles?: string[] } = {},
): Promise<TestUser> {
  const id = randomBytes(5).toString('hex')
  const user = {
    email: `${options.prefix ?? 'user'}-${id}@example.test`,
    password: `pw-${randomBytes(9).toString('base64url')}`,
    name: options.name ?? `Test User ${id}`,
  }
  recordSecret('password', user.password)
  const args = ['add', user.email, '--name', user.name]
  if (options.admin) args.push('--admin')
  if (options.emailVerified) args.push('--email-verified')
  for (const group of options.groups ?? []) args.push('--group', group)
  for (const role of options.roles ?? []) args.push('--role', role)
  const result = await runUsersCli(args, `${user.password}\n`)
  if (result.code !== 0) throw new Error(`users add failed: ${result.stderr || result.stdout}`)
  return user
}
