import { parseArgs } from 'node:util'
import { openDatabase, migrateToLatest } from '../lib/db'
import {
  addUser,
  listUsers,
  setUserDisabled,
  setUserGroups,
  setUserPassword,
  setUserRoles,
  UserDirectoryError,
  userGroups,
  userRoles,
} from '../lib/users/directory'
import { readSecret } from './read-secret'
import type { Kysely } from 'kysely'
import type { Database, User } from '../lib/db/schema'

// The local user directory's command line. Passwords come from stdin, never from arguments,
// so they stay out of shell history and process listings.

const USAGE = `Usage:
  npm run users -- add <email> --name "<name>" [--admin] [--email-verified] [--group G]... [--role R]...
                                                                              (password on stdin)
  npm run users -- list
  npm run users -- disable <email>
  npm run users -- enable <email>
  npm run users -- set-password <email>                                       (password on stdin)
  npm run users -- set-groups <email> [G...]                                  (no names: no groups)
  npm run users -- set-roles <email> [R...]                                   (no names: no roles)

Group and role names: 1 to 64 printable characters, no comma, no space at either end.

Uses DATABASE_URL (unset: SQLite at .data/bridge.db).`

type Options = { name?: string; admin: boolean; 'email-verified': boolean; group: string[]; role: string[] }

class UsageError extends Error {}

const COMMANDS = ['add', 'list', 'disable', 'enable', 'set-password', 'set-groups', 'set-roles']

const listed = (names: string[]) => names.join(', ')

function printUsers(users: User[]): void {
  if (users.length === 0) console.log('No users yet. Add one with: npm run users -- add <email> --name "<name>"')
  for (const user of users) {
    const flags = [user.is_admin ? 'admin' : '', user.disabled ? 'disabled' : '', user.email_verified ? 'email verified' : '']
      .filter(Boolean)
      .join(', ')
    const groups = userGroups(user)
    const roles = userRoles(user)
    const columns = [
      user.email,
      JSON.stringify(user.name),
      flags,
      groups.length ? `groups: ${listed(groups)}` : '',
      roles.length ? `roles: ${listed(roles)}` : '',
    ]
    console.log(columns.filter(Boolean).join('\t'))
  }
}

/** Checks the arguments before the database is opened: a mistake touches nothing. */
function checkArguments(command: string, rest: string[], values: Options): void {
  if (!COMMANDS.includes(command)) throw new UsageError(`Unknown command "${command}".`)
  const [email, ...extra] = rest
  if (command !== 'list' && !email) throw new UserDirectoryError(`${command} needs an email address.`)
  const takesNames = command === 'set-groups' || command === 'set-roles'
  const unexpected = command === 'list' ? rest[0] : takesNames ? undefined : extra[0]
  if (unexpected !== undefined) throw new UsageError(`Unexpected argument "${unexpected}".`)
  if (command !== 'add' && (values.group.length > 0 || values.role.length > 0)) {
    throw new UsageError('--group and --role go with add; use set-groups or set-roles to change an existing user.')
  }
}

async function add(db: Kysely<Database>, email: string, values: Options): Promise<void> {
  const password = await readSecret(`Password for ${email}: `)
  const user = await addUser(db, {
    email,
    name: values.name ?? email,
    password,
    isAdmin: values.admin,
    emailVerified: values['email-verified'],
    groups: values.group,
    roles: values.role,
  })
  const groups = userGroups(user)
  const roles = userRoles(user)
  const lists = [groups.length ? ` Groups: ${listed(groups)}.` : '', roles.length ? ` Roles: ${listed(roles)}.` : '']
  console.log(`Added ${user.email}${user.is_admin ? ' (admin)' : ''}.${lists.join('')}`)
}

async function setNames(db: Kysely<Database>, kind: 'groups' | 'roles', email: string, names: string[]): Promise<void> {
  const stored = kind === 'groups' ? await setUserGroups(db, email, names) : await setUserRoles(db, email, names)
  const who = email.trim().toLowerCase()
  console.log(stored.length ? `Set the ${kind} of ${who}: ${listed(stored)}.` : `Cleared the ${kind} of ${who}.`)
}

async function runCommand(db: Kysely<Database>, command: string, rest: string[], values: Options): Promise<void> {
  const [email = '', ...names] = rest
  switch (command) {
    case 'add':
      return add(db, email, values)
    case 'list':
      return printUsers(await listUsers(db))
    case 'disable':
    case 'enable':
      await setUserDisabled(db, email, command === 'disable')
      console.log(`${command === 'disable' ? 'Disabled' : 'Enabled'} ${email.trim().toLowerCase()}.`)
      return
    case 'set-password':
      await setUserPassword(db, email, await readSecret(`New password for ${email}: `))
      console.log(`Password changed for ${email.trim().toLowerCase()}.`)
      return
    case 'set-groups':
    case 'set-roles':
      return setNames(db, command === 'set-groups' ? 'groups' : 'roles', email, names)
  }
}

function readCommand(): { command?: string; rest: string[]; values: Options & { help: boolean } } {
  try {
    const { positionals, values } = parseArgs({
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        admin: { type: 'boolean', default: false },
        'email-verified': { type: 'boolean', default: false },
        group: { type: 'string', multiple: true, default: [] },
        role: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
    const [command, ...rest] = positionals
    return { command, rest, values }
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof readCommand>
  try {
    parsed = readCommand()
    if (parsed.values.help || !parsed.command) {
      console.log(USAGE)
      return parsed.command ? 0 : 2
    }
    checkArguments(parsed.command, parsed.rest, parsed.values)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(`${error.message}\n\n${USAGE}`)
    return 2
  }
  const handle = await openDatabase(process.env.DATABASE_URL || undefined)
  try {
    await migrateToLatest(handle)
    await runCommand(handle.db, parsed.command, parsed.rest, parsed.values)
    return 0
  } finally {
    await handle.db.destroy()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UserDirectoryError ? error.message : error)
    process.exit(1)
  },
)
