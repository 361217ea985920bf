import { parseArgs } from 'node:util'
import { openDatabase, migrateToLatest } from '../lib/db'
import { addUser, listUsers, setUserDisabled, setUserPassword, UserDirectoryError } from '../lib/users/directory'
import { readSecret } from './read-secret'
import type { Kysely } from 'kysely'
import type { Database, User } from '../lib/db/schema'

// The local user directory's command line. Passwords come from stdin, never from arguments,
// so they stay out of shell history and process listings.

const USAGE = `Usage:
  npm run users -- add <email> --name "<name>" [--admin] [--email-verified]   (password on stdin)
  npm run users -- list
  npm run users -- disable <email>
  npm run users -- enable <email>
  npm run users -- set-password <email>                                       (password on stdin)

Uses DATABASE_URL (unset: SQLite at .data/bridge.db).`

type Options = { name?: string; admin: boolean; 'email-verified': boolean }

function printUsers(users: User[]): void {
  if (users.length === 0) console.log('No users yet. Add one with: npm run users -- add <email> --name "<name>"')
  for (const user of users) {
    const flags = [user.is_admin ? 'admin' : '', user.disabled ? 'disabled' : '', user.email_verified ? 'email verified' : '']
      .filter(Boolean)
      .join(', ')
    console.log(`${user.email}\t${JSON.stringify(user.name)}${flags ? `\t${flags}` : ''}`)
  }
}

async function runCommand(db: Kysely<Database>, command: string, email: string | undefined, values: Options): Promise<number> {
  if (command !== 'list' && !email && ['add', 'disable', 'enable', 'set-password'].includes(command)) {
    throw new UserDirectoryError(`${command} needs an email address.`)
  }
  switch (command) {
    case 'add': {
      const password = await readSecret(`Password for ${email}: `)
      const user = await addUser(db, {
        email: email!,
        name: values.name ?? email!,
        password,
        isAdmin: values.admin,
        emailVerified: values['email-verified'],
      })
      console.log(`Added ${user.email}${user.is_admin ? ' (admin)' : ''}.`)
      return 0
    }
    case 'list':
      printUsers(await listUsers(db))
      return 0
    case 'disable':
    case 'enable':
      await setUserDisabled(db, email!, command === 'disable')
      console.log(`${command === 'disable' ? 'Disabled' : 'Enabled'} ${email!.trim().toLowerCase()}.`)
      return 0
    case 'set-password':
      await setUserPassword(db, email!, await readSecret(`New password for ${email}: `))
      console.log(`Password changed for ${email!.trim().toLowerCase()}.`)
      return 0
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`)
      return 2
  }
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      admin: { type: 'boolean', default: false },
      'email-verified': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const [command, email] = positionals
  if (values.help || !command) {
    console.log(USAGE)
    return command ? 0 : 2
  }
  const handle = await openDatabase(process.env.DATABASE_URL || undefined)
  try {
    await migrateToLatest(handle)
    const { db } = handle
    return await runCommand(db, command, email, values)
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
