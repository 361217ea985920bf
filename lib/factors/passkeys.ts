import 'server-only'
import type { Kysely } from 'kysely'
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type WebAuthnCredential,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { isoBase64URL } from '@simplewebauthn/server/helpers'
import type { Database, Passkey, User } from '../db/schema'
import { issueToken, openToken, spendChallenge, type RelyingParty } from './passkey-challenges'
import { fingerprint, logEvent } from '../server/log'
import { beginAttempt, forgiveAttempt, recordFailure, releaseAttempt, type ThrottleLimits } from '../auth/throttle'

// Passkeys (WebAuthn) of the local directory. The relying party is APP_URL: its hostname is the
// RP ID and the origin is the only one accepted, so a passkey works on that host alone. Each
// challenge is good once for 5 minutes (passkey-challenges.ts). User verification is required:
// a passkey is two factors in one.

type Db = Kysely<Database>
const MAX_PASSKEYS_PER_USER = 20
type Transport = NonNullable<WebAuthnCredential['transports']>[number]

function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(userId)
}

function transportsOf(passkey: Passkey): Transport[] {
  try {
    const parsed: unknown = JSON.parse(passkey.transports)
    return Array.isArray(parsed) ? parsed.filter((t): t is Transport => typeof t === 'string') : []
  } catch {
    return []
  }
}

export function passkeysOf(db: Db, userId: string): Promise<Passkey[]> {
  return db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute()
}

/** A passkey's name: 1 to 60 printable characters, trimmed; null otherwise. */
export function passkeyName(raw: unknown): string | null {
  if (typeof raw !== 'string') return null
  const name = raw.trim()
  const length = [...name].length
  return length >= 1 && length <= 60 && !/\p{C}/u.test(name) ? name : null
}

export async function registrationOptions(
  db: Db,
  rp: RelyingParty,
  user: Pick<User, 'id' | 'email' | 'name'>,
): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; token: string }> {
  const existing = await passkeysOf(db, user.id)
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: userHandle(user.id),
    userName: user.email,
    userDisplayName: user.name || user.email,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: transportsOf(p) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  })
  const token = await issueToken(rp, { challenge: options.challenge, issuedAt: Date.now(), kind: 'register', userId: user.id })
  return { options, token }
}

type ChallengeRefusal = 'expired' | 'used'
export type RegistrationResult =
  { ok: true; passkey: Passkey } | { ok: false; reason: ChallengeRefusal | 'refused' | 'duplicate' | 'too_many' }

/** Checks the browser's answer to registrationOptions() and keeps the new passkey under `name`. */
export async function finishRegistration(
  db: Db,
  rp: RelyingParty,
  userId: string,
  input: { token: unknown; response: RegistrationResponseJSON; name: string },
  now = Date.now(),
): Promise<RegistrationResult> {
  const token = await openToken(rp, input.token, 'register', now)
  if (!token || token.userId !== userId) return { ok: false, reason: 'expired' }
  if (!(await spendChallenge(db, token.challenge, now))) return { ok: false, reason: 'used' }
  let verification
  try {
    verification = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: token.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    })
  } catch {
    return { ok: false, reason: 'refused' }
  }
  if (!verification.verified) return { ok: false, reason: 'refused' }
  if ((await passkeysOf(db, userId)).length >= MAX_PASSKEYS_PER_USER) return { ok: false, reason: 'too_many' }
  const info = verification.registrationInfo
  const passkey: Passkey = {
    id: info.credential.id,
    user_id: userId,
    name: input.name,
    public_key: isoBase64URL.fromBuffer(info.credential.publicKey),
    counter: info.credential.counter,
    transports: JSON.stringify(info.credential.transports ?? []),
    device_type: info.credentialDeviceType,
    backed_up: info.credentialBackedUp ? 1 : 0,
    created_at: now,
    last_used_at: null,
  }
  const inserted = await db
    .insertInto('passkeys')
    .values(passkey)
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id')
    .executeTakeFirst()
  return inserted ? { ok: true, passkey } : { ok: false, reason: 'duplicate' }
}

/** Options for signing in with any passkey of this site (discoverable credentials: no list). */
export async function authenticationOptions(
  rp: RelyingParty,
  loginRequestId?: string,
): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; token: string }> {
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required' })
  const token = await issueToken(rp, {
    challenge: options.challenge,
    issuedAt: Date.now(),
    kind: 'authenticate',
    ...(loginRequestId ? { loginRequestId } : {}),
  })
  return { options, token }
}

export type PasskeyCheck =
  | { ok: true; user: User; amr: string[] }
  | { ok: false; reason: ChallengeRefusal | 'unknown' | 'refused' | 'cloned' | 'disabled'; user?: User }
  | { ok: false; reason: 'throttled'; retryAfterMs: number }

export interface PasskeySignIn {
  token: unknown
  response: AuthenticationResponseJSON
  /** The login request the options were issued for; absent for /account and the admin area. */
  loginRequestId?: string
  ip: string | null
  limits: ThrottleLimits
}

/** RFC 8176: a key bound to one device (hwk) or synced between devices (swk), with user verification (mfa). */
function passkeyAmr(deviceType: string): string[] {
  return [deviceType === 'multiDevice' ? 'swk' : 'hwk', 'mfa']
}

/**
 * Checks a passkey sign-in under the password throttle: a refused assertion of a known passkey
 * is a failed sign-in of its account and of the address; an unknown passkey counts against the
 * address. A signature counter that did not increase means a cloned or replayed authenticator.
 */
export async function checkPasskeySignIn(db: Db, rp: RelyingParty, input: PasskeySignIn, now = Date.now()): Promise<PasskeyCheck> {
  const token = await openToken(rp, input.token, 'authenticate', now)
  if (!token || token.loginRequestId !== input.loginRequestId) return { ok: false, reason: 'expired' }
  if (!(await spendChallenge(db, token.challenge, now))) return { ok: false, reason: 'used' }
  const id = typeof input.response?.id === 'string' ? input.response.id : ''
  const passkey = id ? await db.selectFrom('passkeys').selectAll().where('id', '=', id).executeTakeFirst() : undefined
  const user = passkey ? await db.selectFrom('users').selectAll().where('id', '=', passkey.user_id).executeTakeFirst() : undefined
  // An unknown passkey is counted under its own id, so only the address adds up.
  const email = user ? user.email : `passkey:${fingerprint(id)}`
  const verdict = await beginAttempt(db, email, input.ip, input.limits, now)
  if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterMs: verdict.retryAfterMs }
  const fail = async (reason: 'unknown' | 'refused' | 'cloned'): Promise<PasskeyCheck> => {
    await recordFailure(db, email, input.ip, input.limits, now)
    return { ok: false, reason, ...(user ? { user } : {}) }
  }
  if (!passkey || !user) return fail('unknown')
  const handle = input.response.response?.userHandle
  if (handle !== undefined && handle !== isoBase64URL.fromBuffer(userHandle(user.id))) return fail('refused')
  const outcome = await verifyAssertion(rp, passkey, token.challenge, input.response)
  if (outcome === 'refused') return fail('refused')
  if (outcome === 'cloned' || !(await advanceCounter(db, passkey, outcome, now))) {
    logEvent('passkey_counter_refused', { user: fingerprint(user.id), credential: fingerprint(passkey.id), stored: passkey.counter })
    return fail('cloned')
  }
  if (user.disabled) {
    await releaseAttempt(db, email, input.ip)
    return { ok: false, reason: 'disabled', user }
  }
  await forgiveAttempt(db, email, input.ip)
  return { ok: true, user, amr: passkeyAmr(outcome.deviceType) }
}

interface Asserted {
  counter: number
  deviceType: string
  backedUp: boolean
}

async function verifyAssertion(
  rp: RelyingParty,
  passkey: Passkey,
  challenge: string,
  response: AuthenticationResponseJSON,
): Promise<Asserted | 'refused' | 'cloned'> {
  try {
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: {
        id: passkey.id,
        publicKey: isoBase64URL.toBuffer(passkey.public_key),
        counter: passkey.counter,
        transports: transportsOf(passkey),
      },
    })
    if (!verification.verified) return 'refused'
    const info = verification.authenticationInfo
    return { counter: info.newCounter, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp }
  } catch (error) {
    return error instanceof Error && /counter value/i.test(error.message) ? 'cloned' : 'refused'
  }
}

/** Stores the new counter only if it still increases (or both are 0, for authenticators without one). */
async function advanceCounter(db: Db, passkey: Passkey, asserted: Asserted, now: number): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ counter: asserted.counter, last_used_at: now, device_type: asserted.deviceType, backed_up: asserted.backedUp ? 1 : 0 })
    .where('id', '=', passkey.id)
    .where('counter', asserted.counter === 0 ? '=' : '<', asserted.counter)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function renamePasskey(db: Db, userId: string, id: string, name: string): Promise<boolean> {
  const result = await db.updateTable('passkeys').set({ name }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function removePasskey(db: Db, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows) === 1
}
