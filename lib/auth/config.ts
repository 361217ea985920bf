import 'server-only'
import { AsyncLocalStorage } from 'node:async_hooks'
import NextAuth, { AuthError, CredentialsSignin, type NextAuthConfig } from 'next-auth'
import Credentials from 'next-auth/providers/credentials'
import type { Provider } from 'next-auth/providers'
import { z } from 'zod'
import { getEnv } from '../env'
import { getDb } from '../db/client'
import { verifyCredentials } from '../users/directory'
import type { User } from '../db/schema'
import { PASSWORD_MAX_LENGTH } from '../users/passwords'
import { errorText, logEvent } from '../server/log'
import { sameOriginRedirect } from './redirects'
import { mapClaims, type MappedIdentity } from '../sources/claims'
import type { IdentitySource, SourceOfType } from '../sources/config'
import { checkAppSession, checkCredentials, type SourceFailure } from '../sources/calls'
import { verifyIdToken } from '../sources/oidc'
import { PEER_ADDRESS_HEADER } from '../server/peer-address'
import { beginAttempt, forgiveAttempt, recordFailure, returnAttempt, throttleLimits } from './throttle'
import type { ProblemCode } from '../login/problems'

// next-auth (Auth.js v5) holds the bridge's own session: who is signed in here, through which
// identity source, since when, and the profile that source gave. Each configured source is one
// Auth.js provider: the local directory and the company's credential API and app session as
// Credentials providers, each upstream IdP as an OpenID Connect provider.

export const SOURCE_ERROR_PATH = '/login/source-error'

const CredentialsInput = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH * 4),
})

declare module 'next-auth' {
  interface Session {
    source?: string
    signedInAt?: number
    identity?: MappedIdentity
  }
  interface User {
    identity?: MappedIdentity
  }
}

/** A source that could not answer; its `code` survives Auth.js so the caller can explain it. */
class SourceUnavailable extends CredentialsSignin {
  constructor(readonly failure: SourceFailure) {
    super()
    this.code = failure.reason
  }
}

/** Too many failed sign-ins for this account or from this address: refused without a check. */
class Throttled extends CredentialsSignin {
  code = 'throttled'
  constructor(readonly retryAfterMs: number) {
    super()
  }
}

/** The throttle (and so the sign-in) cannot be checked while the database is down: fail closed. */
class ThrottleUnavailable extends CredentialsSignin {
  code = 'database_unavailable'
}

/** The company app says this browser has no session there. */
class AppSignedOut extends CredentialsSignin {
  code = 'signed_out'
}

/** An ID token whose signature does not verify against the IdP's keys. */
class IdTokenRejected extends AuthError {
  static type = 'IdTokenRejected'
}

// What one sign-in produced, for the server action or route handler that started it: Auth.js
// writes the session cookie to the response, where the same request can no longer read it.
interface SignInCapture {
  identity?: MappedIdentity
  signedInAt?: number
  failure?: SourceFailure
  error?: unknown
}
const capture = new AsyncLocalStorage<SignInCapture>()

export function localIdentity(source: string, user: User): MappedIdentity {
  return {
    ok: true,
    profile: {
      source,
      subject: user.id,
      email: user.email,
      emailVerified: user.email_verified === 1,
      name: user.name,
      roles: user.is_admin ? ['admin'] : undefined,
    },
  }
}

function signedInUser(identity: MappedIdentity) {
  const profile = identity.ok ? identity.profile : undefined
  return { id: profile?.subject ?? 'unknown', email: profile?.email, name: profile?.name, identity }
}

/** An email and password form's provider; `check` answers with the person or throws why not. */
function emailPasswordProvider(source: IdentitySource, check: (email: string, password: string) => Promise<MappedIdentity>): Provider {
  return Credentials({
    id: source.id,
    name: source.name,
    credentials: { email: {}, password: {} },
    // Throttled here, so the login form, the admin form and a direct post to Auth.js's callback
    // endpoint all count against the same limits.
    async authorize(raw, request) {
      const input = CredentialsInput.safeParse(raw)
      if (!input.success) throw new CredentialsSignin()
      const { email, password } = input.data
      const ip = request.headers.get(PEER_ADDRESS_HEADER)
      const db = await getDb().catch(() => null)
      if (!db) throw new ThrottleUnavailable()
      const limits = throttleLimits(getEnv())
      const verdict = await beginAttempt(db, email, ip, limits).catch(() => null)
      if (!verdict) throw new ThrottleUnavailable()
      if (!verdict.allowed) {
        logEvent('sign_in_throttled', { source: source.id, retry_after_s: Math.ceil(verdict.retryAfterMs / 1000) })
        throw new Throttled(verdict.retryAfterMs)
      }
      let identity: MappedIdentity
      try {
        identity = await check(email, password)
      } catch (error) {
        // The source failing is not the person's failure: the attempt is given back. A refusal
        // also counts against the address.
        const settle = error instanceof SourceUnavailable ? returnAttempt(db, email) : recordFailure(db, email, ip, limits)
        await settle.catch((settleError: unknown) => logEvent('throttle_error', { error: errorText(settleError) }))
        throw error
      }
      await forgiveAttempt(db, email).catch((error: unknown) => logEvent('throttle_error', { error: errorText(error) }))
      return signedInUser(identity)
    },
  })
}

function providerFor(source: IdentitySource): Provider {
  switch (source.type) {
    case 'local':
      return emailPasswordProvider(source, async (email, password) => {
        const user = await verifyCredentials(await getDb(), email, password)
        if (!user) throw new CredentialsSignin()
        return localIdentity(source.id, user)
      })
    case 'http':
      return emailPasswordProvider(source, async (email, password) => {
        const check = await checkCredentials(source, email, password)
        if (check.outcome === 'refused') throw new CredentialsSignin()
        if (check.outcome === 'failed') throw new SourceUnavailable(check.failure)
        return check.identity
      })
    case 'session':
      return Credentials({
        id: source.id,
        name: source.name,
        credentials: {},
        async authorize(_raw, request) {
          const check = await checkAppSession(source, request.headers.get('cookie'))
          if (check.outcome === 'signed_out') throw new AppSignedOut()
          if (check.outcome === 'failed') throw new SourceUnavailable(check.failure)
          return signedInUser(check.identity)
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
      }
  }
}

function sourceById(id: string | undefined): IdentitySource | undefined {
  return getEnv().sources.find((source) => source.id === id)
}

function buildConfig(): NextAuthConfig {
  const env = getEnv()
  return {
    secret: env.AUTH_SECRET,
    trustHost: true,
    session: { strategy: 'jwt', maxAge: env.SESSION_MAX_AGE_SECONDS },
    useSecureCookies: env.secure,
    // Every Auth.js failure page comes back to the login request that started it.
    pages: { signIn: SOURCE_ERROR_PATH, error: SOURCE_ERROR_PATH },
    // A wrong password is an expected outcome, not an error with a stack trace; other errors are
    // logged by name only, since Auth.js messages may quote request data.
    logger: {
      error(error) {
        const store = capture.getStore()
        if (store) store.error ??= error
        if (error instanceof SourceUnavailable && store) store.failure = error.failure
        const type = (error as { type?: string }).type ?? error.name
        if (type !== 'CredentialsSignin') logEvent('auth_error', { type })
      },
      warn(code) {
        logEvent('auth_warning', { code })
      },
      debug() {},
    },
    providers: env.sources.map(providerFor),
    callbacks: {
      async signIn({ account }) {
        if (account?.type !== 'oidc') return true
        const source = sourceById(account.provider)
        if (source?.type !== 'oidc' || !account.id_token) throw new IdTokenRejected('no ID token')
        try {
          await verifyIdToken(source, account.id_token)
        } catch (error) {
          logEvent('id_token_rejected', { source: source.id, reason: error instanceof Error ? error.message : 'invalid' })
          throw new IdTokenRejected('the ID token signature did not verify')
        }
        return true
      },
      jwt({ token, user, account, profile }) {
        if (user && account) {
          const source = sourceById(account.provider)
          const identity: MappedIdentity =
            account.type === 'oidc' && source
              ? mapClaims(source.id, (profile ?? {}) as Record<string, unknown>, source.claims)
              : (user.identity ?? { ok: false, source: account.provider, issues: ['the source gave no profile'] })
          token.sub = identity.ok ? identity.profile.subject : user.id
          token.email = identity.ok ? identity.profile.email : null
          token.name = identity.ok ? identity.profile.name : null
          token.source = account.provider
          token.signedInAt = Date.now()
          token.identity = identity
          const store = capture.getStore()
          if (store) {
            store.identity = identity
            store.signedInAt = token.signedInAt as number
          }
        }
        return token
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub
        session.source = typeof token.source === 'string' ? token.source : undefined
        session.signedInAt = typeof token.signedInAt === 'number' ? token.signedInAt : undefined
        session.identity = token.identity as MappedIdentity | undefined
        return session
      },
      redirect({ url, baseUrl }) {
        return sameOriginRedirect(url, baseUrl)
      },
    },
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => buildConfig())

/** Runs Auth.js work and hands back what it captured: the identity of a sign-in, or its error. */
export async function withSignInCapture<T>(run: () => Promise<T>): Promise<{ value?: T; thrown?: unknown; captured: SignInCapture }> {
  const captured: SignInCapture = {}
  try {
    return { value: await capture.run(captured, run), captured }
  } catch (thrown) {
    return { thrown, captured }
  }
}

export type CredentialSignIn =
  | { outcome: 'signed_in'; identity: MappedIdentity; signedInAt: number }
  | { outcome: 'refused' }
  | { outcome: 'throttled'; retryAfterMs: number }
  | { outcome: 'database_unavailable' }
  | { outcome: 'signed_out' }
  | { outcome: 'failed'; failure: SourceFailure }

/**
 * Signs in through a Credentials source (local directory, credential API, app session) from a
 * server action, and returns the identity it produced or why it did not.
 */
export async function signInWithCredentials(sourceId: string, fields: Record<string, string>): Promise<CredentialSignIn> {
  const { thrown, captured } = await withSignInCapture(() => signIn(sourceId, { ...fields, redirect: false }))
  if (thrown !== undefined) {
    if (thrown instanceof SourceUnavailable) return { outcome: 'failed', failure: thrown.failure }
    if (thrown instanceof Throttled) return { outcome: 'throttled', retryAfterMs: thrown.retryAfterMs }
    if (thrown instanceof ThrottleUnavailable) return { outcome: 'database_unavailable' }
    if (thrown instanceof AppSignedOut) return { outcome: 'signed_out' }
    if (thrown instanceof CredentialsSignin) return { outcome: 'refused' }
    throw thrown
  }
  if (!captured.identity || !captured.signedInAt) throw new Error(`sign-in with ${sourceId} produced no identity`)
  return { outcome: 'signed_in', identity: captured.identity, signedInAt: captured.signedInAt }
}

export function findSource(id: unknown): IdentitySource | undefined {
  return typeof id === 'string' ? sourceById(id) : undefined
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = []
  let current: unknown = error
  while (current && chain.length < 6) {
    chain.push(current)
    const cause = (current as { cause?: unknown }).cause
    current = cause && typeof cause === 'object' && 'err' in cause ? (cause as { err: unknown }).err : cause
  }
  return chain
}

/** Why an upstream IdP sign-in failed, as a problem page and a sentence for the ledger. */
export function classifyIdpError(error: unknown, returnedError?: string | null): { problem: ProblemCode; detail: string } {
  const chain = causes(error)
  // Auth.js raises OAuthCallbackError only after the state checked out; the IdP's own error code
  // (access_denied...) is then in the callback's query, which the caller passes on.
  const returned = chain.some((e) => (e as { type?: unknown }).type === 'OAuthCallbackError') ? returnedError : undefined
  if (returned) {
    const code = returned.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64)
    return code === 'access_denied'
      ? { problem: 'idp_denied', detail: 'the identity provider answered access_denied' }
      : { problem: 'idp_error', detail: `the identity provider answered ${code}` }
  }
  for (const e of chain) {
    const type = (e as { type?: unknown }).type
    if (type === 'IdTokenRejected') return { problem: 'idp_token_invalid', detail: 'the ID token signature did not verify' }
    const code = (e as { code?: unknown }).code
    if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' || code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') {
      return { problem: 'idp_token_invalid', detail: `the ID token was refused: ${(e as Error).message}`.slice(0, 300) }
    }
    // An unsigned (alg none) or otherwise wrongly signed token, refused before its claims are read.
    if ((code === 'OAUTH_INVALID_RESPONSE' || code === 'OAUTH_UNSUPPORTED_OPERATION') && /JW[ST] "alg"|JWS algorithm/.test((e as Error).message)) {
      return { problem: 'idp_token_invalid', detail: `the ID token was refused: ${(e as Error).message}`.slice(0, 300) }
    }
    if (e instanceof TypeError && e.message === 'fetch failed') {
      return { problem: 'source_unavailable', detail: 'the identity provider could not be reached' }
    }
  }
  const type = (error as { type?: unknown }).type
  return { problem: 'idp_error', detail: `sign-in with the identity provider failed (${typeof type === 'string' ? type : 'error'})` }
}

export function problemForFailure(failure: SourceFailure): ProblemCode {
  if (failure.reason === 'timeout') return 'source_timeout'
  if (failure.reason === 'invalid_response') return 'source_invalid_response'
  return 'source_unavailable'
}
