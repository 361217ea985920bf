'use server'

import type { Kysely } from 'kysely'
import { refresh } from 'next/cache'
import { redirect, unstable_rethrow } from 'next/navigation'
import { ADMIN_SIGN_IN_PATH, requireAdminPost } from '@/lib/admin/access'
import type { Actor } from '@/lib/admin/audit'
import {
  disableUser,
  enableUser,
  inviteUser,
  inviteUserByEmail,
  reissueInvitation,
  reissueInvitationByEmail,
  resetFactors,
  setNames,
  signOutEverywhere,
} from '@/lib/admin/user-actions'
import { getDb } from '@/lib/db/client'
import type { Database } from '@/lib/db/schema'
import { getEnv } from '@/lib/env'
import { errorText, logEvent } from '@/lib/server/log'
import { UserDirectoryError } from '@/lib/users/directory'
import { invitationPath } from '@/lib/users/invitations'

// The admin area's changes to the local directory. Each is a public endpoint: it checks the origin
// and the caller itself (requireAdminPost), and lib/admin/user-actions.ts writes the change and its
// audit row together. Expected failures come back as a message next to the form, with what was typed.

export interface UserActionState {
  message?: string
  done?: string
  /** An invitation link, shown once to the admin who asked for it. */
  link?: string
  /** What the admin typed, given back with a message. */
  values?: Record<string, string>
  attempt: number
}

const text = (form: FormData, name: string) => {
  const value = form.get(name)
  return typeof value === 'string' ? value : ''
}

/** Names typed as "finance, eng": a name cannot hold a comma, so the comma separates them. */
const names = (typed: string) =>
  typed
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)

const hoursToMs = (hours: number) => hours * 3600_000

async function perform(
  previous: UserActionState,
  values: Record<string, string>,
  work: (db: Kysely<Database>, by: Actor) => Promise<Omit<UserActionState, 'attempt'>>,
): Promise<UserActionState> {
  const by = await requireAdminPost()
  const attempt = previous.attempt + 1
  try {
    const result = await work(await getDb(), by)
    refresh()
    return { ...result, attempt }
  } catch (error) {
    unstable_rethrow(error)
    if (error instanceof UserDirectoryError) return { message: error.message, values, attempt }
    logEvent('admin_action_failed', { error: errorText(error) })
    return { message: 'The change could not be saved: the database did not answer. Try again in a moment.', values, attempt }
  }
}

export async function inviteUserAction(previous: UserActionState, form: FormData): Promise<UserActionState> {
  const isAdmin = form.get('admin') === 'on'
  // The checkbox is only offered when email is on (env.mail).
  const byEmail = form.get('byEmail') === 'on' && getEnv().mail !== undefined
  const values = {
    email: text(form, 'email'),
    name: text(form, 'name'),
    groups: text(form, 'groups'),
    roles: text(form, 'roles'),
    admin: isAdmin ? 'on' : '',
    byEmail: byEmail ? 'on' : '',
  }
  const email = values.email.trim()
  return perform(previous, values, async (db, by) => {
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)
      throw new UserDirectoryError('Enter the email address of the person to add.')
    const input = { email, name: values.name, isAdmin, groups: names(values.groups), roles: names(values.roles) }
    const env = getEnv()
    const ttlMs = hoursToMs(env.INVITATION_TTL_HOURS)
    if (byEmail) {
      const user = await inviteUserByEmail(db, by, input, { ttlMs, locale: env.DEFAULT_LOCALE })
      return {
        done: `Added ${user.email}. Invitation sent to ${user.email}: the link arrives by email, and using it verifies the address.`,
      }
    }
    // With email on, a link handed over by the admin proves nothing about the address: a verification message goes to it.
    const invited = await inviteUser(db, by, input, { ttlMs, verifyLocale: env.mail ? env.DEFAULT_LOCALE : undefined })
    return { done: `Added ${invited.user.email}. Send them this link to set their password:`, link: linkFor(invited.token) }
  })
}

function linkFor(token: string): string {
  return `${getEnv().APP_URL}${invitationPath(token)}`
}

export async function reissueInvitationAction(previous: UserActionState, form: FormData): Promise<UserActionState> {
  return perform(previous, {}, async (db, by) => {
    const env = getEnv()
    const ttlMs = hoursToMs(env.INVITATION_TTL_HOURS)
    if (text(form, 'byEmail') === 'on' && env.mail) {
      const user = await reissueInvitationByEmail(db, by, text(form, 'user'), { ttlMs, locale: env.DEFAULT_LOCALE })
      return { done: `Invitation sent to ${user.email}; earlier links stop working once it is sent.` }
    }
    const invited = await reissueInvitation(db, by, text(form, 'user'), { ttlMs })
    return { done: `A new link for ${invited.user.email}; earlier links no longer work:`, link: linkFor(invited.token) }
  })
}

/** Disable or enable, as the form says: one button that changes with the status, so its outcome stays in place. */
export async function setDisabledAction(previous: UserActionState, form: FormData): Promise<UserActionState> {
  return perform(previous, {}, async (db, by) => {
    if (text(form, 'disabled') === 'true') {
      const user = await disableUser(db, by, text(form, 'user'))
      return { done: `Disabled ${user.email} and signed them out everywhere.` }
    }
    return { done: `Enabled ${(await enableUser(db, by, text(form, 'user'))).email}.` }
  })
}

export async function resetFactorsAction(previous: UserActionState, form: FormData): Promise<UserActionState> {
  return perform(previous, {}, async (db, by) => {
    const user = await resetFactors(db, by, text(form, 'user'), { localMfa: getEnv().LOCAL_MFA })
    return { done: `Removed the second factors of ${user.email}.` }
  })
}

export async function signOutEverywhereAction(previous: UserActionState, form: FormData): Promise<UserActionState> {
  const state = await perform(previous, {}, async (db, by) => {
    const user = await signOutEverywhere(db, by, text(form, 'user'))
    return { done: `Signed ${user.email} out everywhere.`, values: { self: String(by.actor === user.email) } }
  })
  // Signing oneself out everywhere ends this admin session too.
  if (state.done && state.values?.self === 'true') redirect(ADMIN_SIGN_IN_PATH)
  return state
}

export async function setNamesAction(previous: UserActionState, form: FormData): Promise<UserActionState> {
  const kind = text(form, 'kind') === 'roles' ? 'roles' : 'groups'
  const typed = text(form, 'names')
  return perform(previous, { names: typed }, async (db, by) => {
    const stored = await setNames(db, by, text(form, 'user'), kind, names(typed))
    return { done: stored.length ? `Saved the ${kind}: ${stored.join(', ')}.` : `Cleared the ${kind}.` }
  })
}
