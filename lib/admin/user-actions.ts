import 'server-only'
import type { Kysely } from 'kysely'
import type { Database, User } from '../db/schema'
import {
  addUser,
  findUserById,
  isInvited,
  setUserGroups,
  setUserRoles,
  UserDirectoryError,
  userGroups,
  userRoles,
} from '../users/directory'
import { issueInvitation } from '../users/invitations'
import { writeAudit, type Actor } from './audit'
import { enqueueMail } from '../mail/outbox'
import { queueVerification } from '../mail/verify-queue'

// What an administrator does to a user of the local directory, each change and its audit row in
// one transaction. The same functions serve the admin area and `npm run users`. The checks that
// protect administrators from locking themselves out live here too, so no caller can skip them.

async function targetUser(db: Kysely<Database>, userId: string): Promise<User> {
  const user = await findUserById(db, userId)
  if (!user) throw new UserDirectoryError('This user no longer exists.')
  return user
}

const isSelf = (by: Actor, user: User) => by.actor.toLowerCase() === user.email

/** Disables the account and ends every session of it at once (sessions_revoked_at). */
export function disableUser(db: Kysely<Database>, by: Actor, userId: string, now = Date.now()): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const user = await targetUser(trx, userId)
    if (isSelf(by, user)) throw new UserDirectoryError('You cannot disable your own account.')
    await trx.updateTable('users').set({ disabled: 1, sessions_revoked_at: now, updated_at: now }).where('id', '=', user.id).execute()
    await writeAudit(trx, by, { action: 'user.disable', target: user.email, detail: { disabled: true, sessions_revoked_at: now }, at: now })
    return user
  })
}

export function enableUser(db: Kysely<Database>, by: Actor, userId: string, now = Date.now()): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const user = await targetUser(trx, userId)
    await trx.updateTable('users').set({ disabled: 0, updated_at: now }).where('id', '=', user.id).execute()
    await writeAudit(trx, by, { action: 'user.enable', target: user.email, detail: { disabled: false }, at: now })
    return user
  })
}

/** Every "Continue as" session of the user stops counting, on every instance (lib/users/directory.ts sessionStillValid). */
export function signOutEverywhere(db: Kysely<Database>, by: Actor, userId: string, now = Date.now()): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const user = await targetUser(trx, userId)
    await trx.updateTable('users').set({ sessions_revoked_at: now, updated_at: now }).where('id', '=', user.id).execute()
    await writeAudit(trx, by, { action: 'user.sign_out_everywhere', target: user.email, detail: { sessions_revoked_at: now }, at: now })
    return user
  })
}

/**
 * Removes the user's authenticator, recovery codes and passkeys. With LOCAL_MFA=required an admin
 * may not do it to their own account: their next sign-in would have no second factor to give.
 */
export function resetFactors(
  db: Kysely<Database>,
  by: Actor,
  userId: string,
  options: { localMfa: 'off' | 'optional' | 'required'; now?: number },
): Promise<User> {
  const now = options.now ?? Date.now()
  return db.transaction().execute(async (trx) => {
    const user = await targetUser(trx, userId)
    if (isSelf(by, user) && options.localMfa === 'required') {
      throw new UserDirectoryError('Second factors are required here, so you cannot reset your own; ask another administrator.')
    }
    const totp = await trx.deleteFrom('totp_factors').where('user_id', '=', user.id).executeTakeFirst()
    const codes = await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).executeTakeFirst()
    const passkeys = await trx.deleteFrom('passkeys').where('user_id', '=', user.id).executeTakeFirst()
    const detail = {
      authenticators: Number(totp.numDeletedRows),
      recovery_codes: Number(codes.numDeletedRows),
      passkeys: Number(passkeys.numDeletedRows),
    }
    await writeAudit(trx, by, { action: 'user.reset_factors', target: user.email, detail, at: now })
    return user
  })
}

/** Replaces the user's groups or roles (checked as the CLI checks them); answers with the list stored. */
export function setNames(
  db: Kysely<Database>,
  by: Actor,
  userId: string,
  kind: 'groups' | 'roles',
  names: readonly string[],
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const user = await targetUser(trx, userId)
    const before = kind === 'groups' ? userGroups(user) : userRoles(user)
    const after = kind === 'groups' ? await setUserGroups(trx, user.email, names) : await setUserRoles(trx, user.email, names)
    await writeAudit(trx, by, {
      action: kind === 'groups' ? 'user.set_groups' : 'user.set_roles',
      target: user.email,
      detail: { before, after },
    })
    return after
  })
}

export interface InvitationInput {
  email: string
  name: string
  isAdmin: boolean
  groups: string[]
  roles: string[]
}

/**
 * Adds the user with no password and an invitation to set one; answers with the link's token.
 * With `verifyLocale` (email is on), a message asking to verify the address is queued too: the
 * admin hands the link over some other way, which proves nothing about the address.
 */
export function inviteUser(
  db: Kysely<Database>,
  by: Actor,
  input: InvitationInput,
  options: { ttlMs: number; now?: number; verifyLocale?: string },
): Promise<{ user: User; token: string; expiresAt: number }> {
  const now = options.now ?? Date.now()
  return db.transaction().execute(async (trx) => {
    const user = await addUser(trx, { ...input, password: null })
    const { token, expiresAt } = await issueInvitation(trx, { userId: user.id, createdBy: by.actor, ttlMs: options.ttlMs, now })
    const detail = { is_admin: input.isAdmin, groups: userGroups(user), roles: userRoles(user), expires_at: expiresAt }
    await writeAudit(trx, by, { action: 'user.invite', target: user.email, detail, at: now })
    if (options.verifyLocale) await queueVerification(trx, user, options.verifyLocale, now)
    return { user, token, expiresAt }
  })
}

/** Queues the invitation message; its link is issued when it is sent (lib/mail/invitation-mail.ts). */
function queueInvitationMail(trx: Kysely<Database>, by: Actor, user: User, options: { ttlMs: number; locale: string; now: number }) {
  const { ttlMs, locale, now } = options
  return enqueueMail(trx, {
    kind: 'invitation',
    userId: user.id,
    toEmail: user.email,
    locale,
    params: { by: by.actor },
    lifetimeMs: ttlMs,
    now,
  })
}

/** Adds the user with no password; their invitation goes to their address by email (security.md case 53: accepting it verifies the address). */
export function inviteUserByEmail(
  db: Kysely<Database>,
  by: Actor,
  input: InvitationInput,
  options: { ttlMs: number; locale: string; now?: number },
): Promise<User> {
  const now = options.now ?? Date.now()
  return db.transaction().execute(async (trx) => {
    const user = await addUser(trx, { ...input, password: null })
    await queueInvitationMail(trx, by, user, { ...options, now })
    const detail = { is_admin: input.isAdmin, groups: userGroups(user), roles: userRoles(user), by_email: true }
    await writeAudit(trx, by, { action: 'user.invite', target: user.email, detail, at: now })
    return user
  })
}

/** A new invitation by email for a user who has not set a password yet; the older links end when it is sent. */
export function reissueInvitationByEmail(
  db: Kysely<Database>,
  by: Actor,
  userId: string,
  options: { ttlMs: number; locale: string; now?: number },
): Promise<User> {
  const now = options.now ?? Date.now()
  return db.transaction().execute(async (trx) => {
    const user = await targetUser(trx, userId)
    if (!isInvited(user)) throw new UserDirectoryError(`${user.email} has set a password already; an invitation is only for a new user.`)
    await queueInvitationMail(trx, by, user, { ...options, now })
    await writeAudit(trx, by, { action: 'user.invite', target: user.email, detail: { again: true, by_email: true }, at: now })
    return user
  })
}

/** A new link for a user who has not set a password yet; their earlier links stop working. */
export function reissueInvitation(
  db: Kysely<Database>,
  by: Actor,
  userId: string,
  options: { ttlMs: number; now?: number },
): Promise<{ user: User; token: string; expiresAt: number }> {
  const now = options.now ?? Date.now()
  return db.transaction().execute(async (trx) => {
    const user = await targetUser(trx, userId)
    if (!isInvited(user)) throw new UserDirectoryError(`${user.email} has set a password already; an invitation is only for a new user.`)
    const { token, expiresAt } = await issueInvitation(trx, { userId: user.id, createdBy: by.actor, ttlMs: options.ttlMs, now })
    await writeAudit(trx, by, { action: 'user.invite', target: user.email, detail: { again: true, expires_at: expiresAt }, at: now })
    return { user, token, expiresAt }
  })
}
