import 'server-only'
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database, User } from '../db/schema'
import { checkPasswordPolicy, hashPassword, verifyAgainstDummy, verifyPassword } from './passwords'

// The local user directory: the embedded default identity source.

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

export class UserDirectoryError extends Error {}

export async function addUser(
  db: Kysely<Database>,
  input: { email: string; name: string; password: string; isAdmin?: boolean; emailVerified?: boolean },
): Promise<User> {
  const email = normalizeEmail(input.email)
  const policy = checkPasswordPolicy(input.password)
  if (policy) throw new UserDirectoryError(policy)
  const existing = await findUserByEmail(db, email)
  if (existing) throw new UserDirectoryError(`A user with the email ${email} already exists.`)
  const now = Date.now()
  const user: User = {
    id: randomUUID(),
    email,
    name: input.name.trim() || email,
    password_hash: await hashPassword(input.password),
    is_admin: input.isAdmin ? 1 : 0,
    disabled: 0,
    email_verified: input.emailVerified ? 1 : 0,
    created_at: now,
    updated_at: now,
  }
  await db.insertInto('users').values(user).execute()
  return user
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
  const result = await db
    .updateTable('users')
    .set({ password_hash: await hashPassword(password), updated_at: Date.now() })
    .where('email', '=', normalizeEmail(email))
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) throw new UserDirectoryError(`No user with the email ${normalizeEmail(email)}.`)
}

/**
 * Unknown, disabled and wrong-password all return null after one argon2 verification,
 * so neither the answer nor its timing tells them apart.
 */
export async function verifyCredentials(db: Kysely<Database>, email: string, password: string): Promise<User | null> {
  if (password.length > 4 * 128) return verifyAgainstDummy(password.slice(0, 512)).then(() => null)
  const user = await findUserByEmail(db, email)
  if (!user || user.disabled) {
    await verifyAgainstDummy(password)
    return null
  }
  return (await verifyPassword(user.password_hash, password)) ? user : null
}
