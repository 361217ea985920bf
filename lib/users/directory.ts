import 'server-only'
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database, User } from '../db/schema'
import { endEmailTokens } from '../mail/tokens'
import { checkPasswordPolicy, hashPassword, verifyAgainstDummy, verifyPassword } from './passwords'

// The local user directory: the embedded default identity source.

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

export class UserDirectoryError extends Error {}

// Group and role names: what the local directory claims for a person, and what access policies
// match on. Names are compared exactly, so they are checked when stored rather than cleaned up.

const NAME_MAX_CHARS = 64
const NAMES_MAX = 100
// Groups and roles travel in the identity a sign-in keeps, capped at 6 KB (lib/sources/bound-identity.ts):
// two full lists must leave room for the rest of the profile.
const NAMES_MAX_BYTES = 2000
// Control, format (zero-width, bidirectional overrides), private-use and surrogate code points,
// and line or paragraph separators: nothing that prints as something other than it is.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u

function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'must not be empty'
  if ([...name].length > NAME_MAX_CHARS) return `must be at most ${NAME_MAX_CHARS} characters`
  if (name.trim() !== name) return 'must not start or end with whitespace'
  if (name.includes(',')) return 'must not contain a comma'
  if (UNPRINTABLE.test(name)) return 'must contain only printable characters'
  return null
}

/** Checked names, duplicates dropped, first occurrence kept; throws naming the first bad one. */
function checkNames(kind: 'group' | 'role', names: readonly string[]): string[] {
  const unique = [...new Set(names)]
  for (const name of unique) {
    const problem = nameProblem(name)
    if (problem) throw new UserDirectoryError(`The ${kind} name ${JSON.stringify(name)} ${problem}.`)
  }
  if (unique.length > NAMES_MAX) {
    throw new UserDirectoryError(`A user can have at most ${NAMES_MAX} ${kind}s (got ${unique.length}).`)
  }
  const bytes = Buffer.byteLength(JSON.stringify(unique))
  if (bytes > NAMES_MAX_BYTES) {
    throw new UserDirectoryError(
      `A user's ${kind}s can take at most ${NAMES_MAX_BYTES} bytes together (these take ${bytes}); use fewer or shorter names.`,
    )
  }
  return unique
}

/** A stored list read leniently: text that is not a JSON array gives [], bad entries are left out. */
function readNames(stored: string | null | undefined): string[] {
  let value: unknown
  try {
    value = JSON.parse(stored ?? '[]')
  } catch {
    return []
  }
  if (!Array.isArray(value)) return []
  return [...new Set(value.filter((name): name is string => nameProblem(name) === null))].slice(0, NAMES_MAX)
}

export function userGroups(user: Pick<User, 'groups'>): string[] {
  return readNames(user.groups)
}

export function userRoles(user: Pick<User, 'roles'>): string[] {
  return readNames(user.roles)
}

export interface NewUser {
  email: string
  name: string
  /** Null for an invited user: no password until they set one through their invitation link. */
  password: string | null
  isAdmin?: boolean
  emailVerified?: boolean
  groups?: string[]
  roles?: string[]
}

/**
 * A new user's row, checked and with its password hashed, before any database work: the slow
 * hash (argon2id) then never runs inside a transaction that holds the database.
 */
export async function newUserRow(input: NewUser): Promise<User> {
  const email = normalizeEmail(input.email)
  const policy = input.password === null ? null : checkPasswordPolicy(input.password)
  if (policy) throw new UserDirectoryError(policy)
  const groups = checkNames('group', input.groups ?? [])
  const roles = checkNames('role', input.roles ?? [])
  const now = Date.now()
  return {
    id: randomUUID(),
    email,
    name: input.name.trim() || email,
    password_hash: input.password === null ? '' : await hashPassword(input.password),
    is_admin: input.isAdmin ? 1 : 0,
    disabled: 0,
    email_verified: input.emailVerified ? 1 : 0,
    groups: JSON.stringify(groups),
    roles: JSON.stringify(roles),
    created_at: now,
    updated_at: now,
    sessions_revoked_at: 0,
    last_sign_in_at: null,
  }
}

/** Inserts a row from newUserRow(); refused when the email is taken. */
export async function insertUser(db: Kysely<Database>, user: User): Promise<User> {
  const existing = await findUserByEmail(db, user.email)
  if (existing) throw new UserDirectoryError(`A user with the email ${user.email} already exists.`)
  await db.insertInto('users').values(user).execute()
  return user
}

export async function addUser(db: Kysely<Database>, input: NewUser): Promise<User> {
  return insertUser(db, await newUserRow(input))
}

/**
 * Whether a session of this user, signed in at `signedInAt`, still counts: the account is enabled
 * and nobody signed the user out everywhere since (sessions_revoked_at, read from the shared
 * database, so it holds on every instance at once).
 */
export function sessionStillValid(user: Pick<User, 'disabled' | 'sessions_revoked_at'>, signedInAt: number | undefined): boolean {
  return !user.disabled && signedInAt !== undefined && signedInAt > user.sessions_revoked_at
}

export function findUserByEmail(db: Kysely<Database>, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst()
}

export function findUserById(db: Kysely<Database>, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

export function listUsers(db: Kysely<Database>): Promise<User[]> {
  return db.selectFrom('users').selectAll().orderBy('email').execute()
}

export async function setUserDisabled(db: Kysely<Database>, email: string, disabled: boolean): Promise<void> {
  const result = await db
    .updateTable('users')
    .set({ disabled: disabled ? 1 : 0, updated_at: Date.now() })
    .where('email', '=', normalizeEmail(email))
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) throw new UserDirectoryError(`No user with the email ${normalizeEmail(email)}.`)
}

export async function setUserPassword(db: Kysely<Database>, email: string, password: string): Promise<void> {
  const policy = checkPasswordPolicy(password)
  if (policy) throw new UserDirectoryError(policy)
  const now = Date.now()
  const result = await db
    .updateTable('users')
    .set({ password_hash: await hashPassword(password), updated_at: now })
    .where('email', '=', normalizeEmail(email))
    .returning('id')
    .executeTakeFirst()
  if (!result) throw new UserDirectoryError(`No user with the email ${normalizeEmail(email)}.`)
  // A password set another way ends any reset link still open (security.md case 52).
  await endEmailTokens(db, result.id, 'password_reset', now)
}

async function setNames(db: Kysely<Database>, email: string, kind: 'group' | 'role', names: readonly string[]): Promise<string[]> {
  const checked = checkNames(kind, names)
  const list = JSON.stringify(checked)
  const result = await db
    .updateTable('users')
    .set(kind === 'group' ? { groups: list, updated_at: Date.now() } : { roles: list, updated_at: Date.now() })
    .where('email', '=', normalizeEmail(email))
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) throw new UserDirectoryError(`No user with the email ${normalizeEmail(email)}.`)
  return checked
}

/** Replaces the user's groups (an empty list clears them); answers with the list stored. */
export function setUserGroups(db: Kysely<Database>, email: string, groups: readonly string[]): Promise<string[]> {
  return setNames(db, email, 'group', groups)
}

/** Replaces the user's roles (an empty list clears them); answers with the list stored. */
export function setUserRoles(db: Kysely<Database>, email: string, roles: readonly string[]): Promise<string[]> {
  return setNames(db, email, 'role', roles)
}

/** An invited user who has not set a password yet: the hash is empty and no password matches it. */
export function isInvited(user: Pick<User, 'password_hash'>): boolean {
  return user.password_hash === ''
}

/**
 * Unknown, disabled, invited (no password yet) and wrong-password all return null after one argon2
 * verification, so neither the answer nor its timing tells them apart.
 */
export async function verifyCredentials(db: Kysely<Database>, email: string, password: string): Promise<User | null> {
  if (password.length > 4 * 128) return verifyAgainstDummy(password.slice(0, 512)).then(() => null)
  const user = await findUserByEmail(db, email)
  if (!user || user.disabled || isInvited(user)) {
    await verifyAgainstDummy(password)
    return null
  }
  return (await verifyPassword(user.password_hash, password)) ? user : null
}
