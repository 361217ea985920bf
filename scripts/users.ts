import os from 'node:os'
import { parseArgs } from 'node:util'
import { openDatabase, migrateToLatest } from '../lib/db'
import { writeAudit, type Actor } from '../lib/admin/audit'
import { disableUser, enableUser, inviteUser, setNames as setUserNames, signOutEverywhere } from '../lib/admin/user-actions'
import { ConfigError, invitationTtlHours } from '../lib/env'
import { invitationPath } from '../lib/users/invitations'
import {
  insertUser,
  newUserRow,
  findUserByEmail,
  isInvited,
  listUsers,
  setUserPassword,
  UserDirectoryError,
  userGroups,
  userRoles,
} from '../lib/users/directory'
import { readSecret } from './read-secret'
import type { Kysely } from 'kysely'
import type { Database, User } from '../lib/db/schema'

// The local user directory's command line. Passwords come from stdin, never from arguments,
// so they stay out of shell history and process listings. Every change is written to the admin
// audit log as the admin area's are, by `cli:<the operating system's user name>`.

const USAGE = `Usage:
  npm run users -- add <email> --name "<name>" [--admin] [--email-verified] [--group G]... [--role R]...
                                                                              (password on stdin)
  npm run users -- invite <email> --name "<name>" [--admin] [--group G]... [--role R]...
                                                  (prints a link to set the password; needs APP_URL)
  npm run users -- list
  npm run users -- disable <email>
  npm run users -- enable <email>
  npm run users -- set-password <email>                                       (password on stdin)
  npm run users -- set-groups <email> [G...]                                  (no names: no groups)
  npm run users -- set-roles <email> [R...]                                   (no names: no roles)
  npm run users -- sign-out-everywhere <email>               (ends every "Continue as" session at once)

Group and role names: 1 to 64 printable characters, no comma, no space at either end.

Uses DATABASE_URL (unset: SQLite at .data/bridge.db).`

type Options = { name?: string; admin: boolean; 'email-verified': boolean; group: string[]; role: string[] }

class UsageError extends Error {}

const COMMANDS = ['add', 'invite', 'list', 'disable', 'enable', 'set-password', 'set-groups', 'set-roles', 'sign-out-everywhere']

const cli = (): Actor => ({ actor: `cli:${os.userInfo().username}`, ip: null })

const listed = (names: string[]) => names.join(', ')

function printUsers(users: User[]): void {
  if (users.length === 0) console.log('No users yet. Add one with: npm run users -- add <email> --name "<name>"')
  for (const user of users) {
    const flags = [
      user.is_admin ? 'admin' : '',
      user.disabled ? 'disabled' : '',
      isInvited(user) ? 'invited' : '',
      user.email_verified ? 'email verified' : '',
    ]
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
  if (command !== 'add' && command !== 'invite' && (values.group.length > 0 || values.role.length > 0)) {
    throw new UsageError('--group and --role go with add or invite; use set-groups or set-roles to change an existing user.')
  }
}

async function add(db: Kysely<Database>, email: string, values: Options): Promise<void> {
  const password = await readSecret(`Password for ${email}: `)
  // Hashed before the transaction: argon2id must not run while it holds the database.
  const row = await newUserRow({
    email,
    name: values.name ?? email,
    password,
    isAdmin: values.admin,
    emailVerified: values['email-verified'],
    groups: values.group,
    roles: values.role,
  })
  const user = await db.transaction().execute(async (trx) => {
    const added = await insertUser(trx, row)
    const detail = { is_admin: values.admin, groups: userGroups(added), roles: userRoles(added) }
    await writeAudit(trx, cli(), { action: 'user.add', target: added.email, detail })
    return added
  })
  const groups = userGroups(user)
  const roles = userRoles(user)
  const lists = [groups.length ? ` Groups: ${listed(groups)}.` : '', roles.length ? ` Roles: ${listed(roles)}.` : '']
  console.log(`Added ${user.email}${user.is_admin ? ' (admin)' : ''}.${lists.join('')}`)
}

/** An invited user: no password is read; the link lets them set their own. */
async function invite(db: Kysely<Database>, email: string, values: Options): Promise<void> {
  const appUrl = process.env.APP_URL?.trim().replace(/\/+$/, '')
  if (!appUrl) throw new UserDirectoryError("invite needs APP_URL (the bridge's public origin, as the bridge has it) to print the link.")
  const hours = invitationTtlHours(process.env)
  const input = { email, name: values.name ?? email, isAdmin: values.admin, groups: values.group, roles: values.role }
  const invited = await inviteUser(db, cli(), input, { ttlMs: hours * 3600_000 })
  console.log(
    `Invited ${invited.user.email}${invited.user.is_admin ? ' (admin)' : ''}. This link sets their password, once, within ${hours} hours:`,
  )
  console.log(`${appUrl}${invitationPath(invited.token)}`)
}

async function userId(db: Kysely<Database>, email: string): Promise<string> {
  const user = await findUserByEmail(db, email)
  if (!user) throw new UserDirectoryError(`No user with the email ${email.trim().toLowerCase()}.`)
  return user.id
}

async function setPassword(db: Kysely<Database>, email: string): Promise<void> {
  const password = await readSecret(`New password for ${email}: `)
  const target = email.trim().toLowerCase()
  await db.transaction().execute(async (trx) => {
    await setUserPassword(trx, email, password)
    await writeAudit(trx, cli(), { action: 'user.set_password', target })
  })
  console.log(`Password changed for ${target}.`)
}

async function setNames(db: Kysely<Database>, kind: 'groups' | 'roles', email: string, names: string[]): Promise<void> {
  const stored = await setUserNames(db, cli(), await userId(db, email), kind, names)
  const who = email.trim().toLowerCase()
  console.log(stored.length ? `Set the ${kind} of ${who}: ${listed(stored)}.` : `Cleared the ${kind} of ${who}.`)
}

async function runCommand(db: Kysely<Database>, command: string, rest: string[], values: Options): Promise<void> {
  const [email = '', ...names] = rest
  switch (command) {
    case 'add':
      return add(db, email, values)
    case 'invite':
      return invite(db, email, values)
    case 'list':
      return printUsers(await listUsers(db))
    case 'disable':
      await disableUser(db, cli(), await userId(db, email))
      console.log(`Disabled ${email.trim().toLowerCase()} and signed them out everywhere.`)
      return
    case 'enable':
      await enableUser(db, cli(), await userId(db, email))
      console.log(`Enabled ${email.trim().toLowerCase()}.`)
      return
    case 'sign-out-everywhere':
      await signOutEverywhere(db, cli(), await userId(db, email))
      console.log(`Signed ${email.trim().toLowerCase()} out everywhere.`)
      return
    case 'set-password':
      return setPassword(db, email)
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
    console.error(error instanceof UserDirectoryError || error instanceof ConfigError ? error.message : error)
    process.exit(1)
  },
)
