import 'server-only'
import Credentials from 'next-auth/providers/credentials'
import { CredentialsSignin, customFetch } from 'next-auth'
import type { Provider } from 'next-auth/providers'
import { getEnv } from '../env'
import { getDb } from '../db/client'
import { userGroups, userRoles, verifyCredentials } from '../users/directory'
import type { Kysely } from 'kysely'
import type { Database, User } from '../db/schema'
import { LOCALE_HEADER, isLocale } from '../i18n/locales'
import { queueVerificationAfterSignIn } from '../mail/verify-queue'
import type { SessionPurpose } from './config'
import { CredentialsInput } from './credentials-input'
import { errorText, logEvent } from '../server/log'
import type { MappedIdentity } from '../sources/claims'
import type { IdentitySource } from '../sources/config'
import { checkCredentials } from '../sources/http'
import { checkAppSession } from '../sources/session'
import { sourceFetch } from '../sources/oidc'
import { PEER_ADDRESS_HEADER } from '../server/peer-address'
import { beginAttempt, forgiveAttempt, recordFailure, recordSourceFault, releaseAttempt, throttleLimits } from './throttle'
import { AppSignedOut, ChecksBusy, NotAnAdmin, SecondStepNeeded, SourceUnavailable, Throttled, ThrottleUnavailable } from './errors'
import { noteSignIn, secondStepFor } from '../factors/policy'
import { openTicket } from '../factors/ticket'
import { findUserById, sessionStillValid } from '../users/directory'
import { isVerifiedAdminEmail } from '../admin/admins'
import { createCheckSlots, PasswordChecksBusy } from '../users/check-slots'
import { countDatabaseError, countSignIn } from '../server/metrics'

let slots: ReturnType<typeof createCheckSlots> | undefined
function passwordCheckSlots() {
  slots ??= createCheckSlots(getEnv().PASSWORD_CHECK_CONCURRENCY)
  return slots
}

// One Auth.js provider per identity source: the local directory and the company's credential API
// and app session as Credentials providers, each upstream IdP as an OpenID Connect provider.

/**
 * A local user as an identity; empty group and role lists are left out of the claims. `amr` says
 * how they proved it (['pwd'] for a password).
 */
export function localIdentity(source: string, user: User, amr?: string[]): MappedIdentity {
  const groups = userGroups(user)
  const roles = userRoles(user)
  return {
    ok: true,
    profile: {
      source,
      subject: user.id,
      email: user.email,
      emailVerified: user.email_verified === 1,
      name: user.name,
      ...(groups.length ? { groups } : {}),
      ...(roles.length ? { roles } : {}),
      ...(amr?.length ? { amr } : {}),
    },
  }
}

/** The bridge took a password: `pwd` joins whatever methods the source itself reported. */
function withPassword(identity: MappedIdentity): MappedIdentity {
  if (!identity.ok) return identity
  const amr = [...new Set(['pwd', ...(identity.profile.amr ?? [])])]
  return { ok: true, profile: { ...identity.profile, amr } }
}

function signedInUser(identity: MappedIdentity) {
  const profile = identity.ok ? identity.profile : undefined
  return { id: profile?.subject ?? 'unknown', email: profile?.email, name: profile?.name, identity }
}

/** 'admin' for a sign-in made at the admin area, 'account' at /account (the field their server actions send). */
function purposeOf(raw: unknown): SessionPurpose | undefined {
  const purpose = (raw as Record<string, unknown> | undefined)?.purpose
  return purpose === 'admin' || purpose === 'account' ? purpose : undefined
}

/**
 * A source's refusal or failure to answer, for the metrics; a sign-in that goes on to a second
 * step, or that the process shed before checking it, has no result yet (its success is counted
 * once Auth.js makes the session, lib/auth/config.ts).
 */
function countSignInFailure(source: string, error: unknown): void {
  if (error instanceof PasswordChecksBusy || error instanceof SecondStepNeeded) return
  countSignIn(source, error instanceof SourceUnavailable ? 'error' : 'refused')
}

type EmailPasswordCheck = (email: string, password: string, raw: unknown, request: Request) => Promise<MappedIdentity>

/**
 * An email and password form's provider; `check` answers with the person or throws why not.
 * `ticket` (the local directory only) signs in the person a finished second step or passkey
 * sign-in vouches for (lib/factors/ticket.ts).
 */
function emailPasswordProvider(
  source: IdentitySource,
  check: EmailPasswordCheck,
  ticket?: (seal: unknown, request: Request) => Promise<MappedIdentity>,
): Provider {
  return Credentials({
    id: source.id,
    name: source.name,
    credentials: { email: {}, password: {} },
    // Throttled here, so the login form, the admin form and a direct post to Auth.js's callback
    // endpoint all count against the same limits.
    async authorize(raw, request) {
      const vouched = (raw as Record<string, unknown> | undefined)?.ticket
      if (ticket && vouched !== undefined) return { ...signedInUser(await ticket(vouched, request)), purpose: purposeOf(raw) }
      const input = CredentialsInput.safeParse(raw)
      if (!input.success) throw new CredentialsSignin()
      const { email, password } = input.data
      const ip = request.headers.get(PEER_ADDRESS_HEADER)
      const db = await getDb().catch(() => null)
      const limits = throttleLimits(getEnv())
      const verdict = db ? await beginAttempt(db, email, ip, limits).catch(() => null) : null
      if (!db || !verdict) {
        countDatabaseError('sign_in')
        throw new ThrottleUnavailable()
      }
      if (!verdict.allowed) {
        logEvent('sign_in_throttled', { source: source.id, retry_after_s: Math.ceil(verdict.retryAfterMs / 1000) })
        countSignIn(source.id, 'refused')
        throw new Throttled(verdict.retryAfterMs)
      }
      let identity: MappedIdentity
      try {
        identity = await check(email, password, raw, request)
      } catch (error) {
        // The source failing is not the person's failure: the attempt is given back. A refusal
        // also counts against the address. A right password before a second step gives the attempt
        // back without starting the account afresh: only the second step's success does that.
        const settle =
          error instanceof PasswordChecksBusy || error instanceof SecondStepNeeded
            ? releaseAttempt(db, email, ip)
            : error instanceof SourceUnavailable
              ? recordSourceFault(db, email, ip, limits)
              : recordFailure(db, email, ip, limits)
        await settle.catch((settleError: unknown) => logEvent('throttle_error', { error: errorText(settleError) }))
        countSignInFailure(source.id, error)
        if (error instanceof PasswordChecksBusy) {
          logEvent('sign_in_shed', { source: source.id })
          throw new ChecksBusy()
        }
        throw error
      }
      await forgiveAttempt(db, email, ip).catch((error: unknown) => logEvent('throttle_error', { error: errorText(error) }))
      // A sign-in made for the admin area is never offered as "Continue as" in a login request.
      return { ...signedInUser(identity), purpose: purposeOf(raw) }
    },
  })
}

/**
 * A local user signed in with an address not verified yet: a verification message is queued (at
 * most one a day; nothing is sent from here, lib/mail/verify-email.ts). Never fails the sign-in.
 */
async function askToVerify(db: Kysely<Database>, user: User, request: Request): Promise<void> {
  if (!getEnv().mail || user.email_verified === 1) return
  const asked = request.headers.get(LOCALE_HEADER)
  const locale = isLocale(asked) ? asked : getEnv().DEFAULT_LOCALE
  await queueVerificationAfterSignIn(db, user, locale).catch((error: unknown) =>
    logEvent('mail_enqueue_error', { error: errorText(error) }),
  )
}

/** The local directory: a password (and its second step, lib/factors), or a ticket a finished second step or passkey sign-in gives. */
function localProvider(source: IdentitySource): Provider {
  return emailPasswordProvider(
    source,
    async (email, password, raw, request) => {
      const db = await getDb()
      const user = await passwordCheckSlots().run(() => verifyCredentials(db, email, password))
      if (!user) throw new CredentialsSignin()
      // A direct post to Auth.js's callback cannot say the server asks for a second factor; the
      // login's completion checks that again (app/login/actions.ts).
      const serverRequires = (raw as Record<string, unknown> | undefined)?.requireMfa === '1'
      const step = await secondStepFor(db, user.id, serverRequires)
      if (step) throw new SecondStepNeeded(user.id, user.email, step)
      await noteSignIn(db, user.id)
      await askToVerify(db, user, request)
      return localIdentity(source.id, user, ['pwd'])
    },
    async (seal, request) => {
      const vouched = await openTicket(getEnv().AUTH_SECRET, seal)
      if (!vouched) throw new CredentialsSignin()
      const db = await getDb()
      const user = await findUserById(db, vouched.userId)
      if (!user || user.disabled) throw new CredentialsSignin()
      if (vouched.since !== undefined && !sessionStillValid(user, vouched.since)) throw new CredentialsSignin()
      await noteSignIn(db, user.id)
      await askToVerify(db, user, request)
      return localIdentity(source.id, user, vouched.amr)
    },
  )
}

export function providerFor(source: IdentitySource): Provider {
  switch (source.type) {
    case 'local':
      return localProvider(source)
    case 'http':
      return emailPasswordProvider(source, async (email, password) => {
        const check = await checkCredentials(source, email, password)
        if (check.outcome === 'refused') throw new CredentialsSignin()
        if (check.outcome === 'failed') throw new SourceUnavailable(check.failure)
        return withPassword(check.identity)
      })
    case 'session':
      return Credentials({
        id: source.id,
        name: source.name,
        credentials: {},
        async authorize(raw, request) {
          const check = await checkAppSession(source, request.headers.get('cookie'))
          if (check.outcome !== 'signed_in') countSignIn(source.id, check.outcome === 'failed' ? 'error' : 'refused')
          if (check.outcome === 'signed_out') throw new AppSignedOut()
          if (check.outcome === 'failed') throw new SourceUnavailable(check.failure)
          const purpose = purposeOf(raw)
          // At the admin area, the app's session makes a bridge session only for an administrator.
          if (purpose === 'admin' && !(check.identity.ok && isVerifiedAdminEmail(check.identity.profile, getEnv().ADMIN_EMAILS))) {
            countSignIn(source.id, 'refused')
            throw new NotAnAdmin()
          }
          return { ...signedInUser(check.identity), purpose }
        },
      })
    case 'oidc':
      return {
        id: source.id,
        name: source.name,
        type: 'oidc',
        issuer: source.issuer,
        clientId: source.clientId,
        clientSecret: source.clientSecret,
        checks: ['pkce', 'state', 'nonce'],
        authorization: { params: { scope: source.scopes.join(' ') } },
        profile(claims) {
          return { id: String(claims.sub), email: claims.email, name: claims.name }
        },
        // Discovery comes from the process's cache instead of twice per login (lib/sources/oidc.ts).
        [customFetch]: sourceFetch(source),
      }
  }
}

export function sourceById(id: string | undefined): IdentitySource | undefined {
  return getEnv().sources.find((source) => source.id === id)
}

export function findSource(id: unknown): IdentitySource | undefined {
  return typeof id === 'string' ? sourceById(id) : undefined
}
