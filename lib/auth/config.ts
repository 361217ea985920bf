import 'server-only'
import { cookies } from 'next/headers'
import NextAuth, { CredentialsSignin, type NextAuthConfig } from 'next-auth'
import { getEnv } from '../env'
import { logEvent } from '../server/log'
import { sameOriginRedirect } from './redirects'
import { mapClaims, type MappedIdentity } from '../sources/claims'
import { boundIdentity } from '../sources/bound-identity'
import { verifyIdToken } from '../sources/oidc'
import type { SourceFailure } from '../sources/call'
import {
  AppSignedOut,
  ChecksBusy,
  IdTokenRejected,
  NotAnAdmin,
  SecondStepNeeded,
  SourceUnavailable,
  Throttled,
  ThrottleUnavailable,
} from './errors'
import { capture, withSignInCapture } from './capture'
import { providerFor, sourceById } from './providers'
import { countSignIn } from '../server/metrics'

// next-auth (Auth.js v5) holds the bridge's own session: who is signed in here, through which
// identity source, since when, and the profile that source gave (lib/auth/providers.ts has one
// provider per source).

export const SOURCE_ERROR_PATH = '/login/source-error'

export type SessionPurpose = 'admin' | 'account'

declare module 'next-auth' {
  interface Session {
    source?: string
    signedInAt?: number
    identity?: MappedIdentity
    /** 'admin': signed in at the admin area; 'account': at /account. Neither is offered to a login request. */
    purpose?: SessionPurpose
  }
  interface User {
    identity?: MappedIdentity
    purpose?: SessionPurpose
  }
}

// A wrong password is an expected outcome, not an error with a stack trace; other errors are
// logged by name only, since Auth.js messages may quote request data.
const authLogger: NextAuthConfig['logger'] = {
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
}

type Callbacks = NonNullable<NextAuthConfig['callbacks']>

/** An upstream IdP's ID token must verify against its keys before anyone is signed in. */
const checkIdToken: NonNullable<Callbacks['signIn']> = async ({ account }) => {
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
}

/** At sign-in, the token keeps the identity the source gave, and the caller gets it too. */
const rememberIdentity: NonNullable<Callbacks['jwt']> = ({ token, user, account, profile }) => {
  if (user && account) {
    const source = sourceById(account.provider)
    // Capped before it is stored: the session cookie must stay small whatever the source said.
    const identity: MappedIdentity = boundIdentity(
      account.type === 'oidc' && source
        ? mapClaims(source.id, (profile ?? {}) as Record<string, unknown>, source.claims)
        : (user.identity ?? { ok: false, source: account.provider, issues: ['the source gave no profile'] }),
    )
    token.sub = identity.ok ? identity.profile.subject : user.id
    token.email = identity.ok ? identity.profile.email : null
    token.name = identity.ok ? identity.profile.name : null
    token.source = account.provider
    token.signedInAt = Date.now()
    token.identity = identity
    countSignIn(account.provider, 'ok')
    const store = capture.getStore()
    // An IdP sign-in that did not leave from a login request was started at the admin area.
    token.purpose = account.type === 'oidc' ? (store?.fromLoginRequest ? undefined : 'admin') : user.purpose
    if (store) {
      store.identity = identity
      store.signedInAt = token.signedInAt as number
    }
  }
  return token
}

/**
 * On https every cookie Auth.js sets is `__Host-` (Secure, Path=/, no Domain), not only its CSRF
 * token: a sibling subdomain could otherwise plant a `Domain=` session or OAuth state cookie.
 */
function hostOnlyCookies(): NextAuthConfig['cookies'] {
  return Object.fromEntries(Object.entries(AUTH_COOKIES).map(([key, name]) => [key, { name: `__Host-authjs.${name}` }]))
}

const AUTH_COOKIES = {
  sessionToken: 'session-token',
  callbackUrl: 'callback-url',
  csrfToken: 'csrf-token',
  pkceCodeVerifier: 'pkce.code_verifier',
  state: 'state',
  nonce: 'nonce',
  webauthnChallenge: 'challenge',
} as const

/** The name of the session cookie (or the prefix of its chunks, `.0`, `.1`...): as hostOnlyCookies sets it on https. */
function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-authjs.${AUTH_COOKIES.sessionToken}` : `authjs.${AUTH_COOKIES.sessionToken}`
}

/**
 * The bridge's session for a page every login request opens: a browser that sends no session
 * cookie has none, so Auth.js is not asked (its session check is a whole internal request).
 */
export async function sessionIfAny() {
  const name = sessionCookieName(getEnv().secure)
  const sent = (await cookies()).getAll().some((cookie) => cookie.name === name || cookie.name.startsWith(`${name}.`))
  return sent ? auth() : null
}

function buildConfig(): NextAuthConfig {
  const env = getEnv()
  return {
    secret: env.AUTH_SECRET,
    trustHost: true,
    session: { strategy: 'jwt', maxAge: env.SESSION_MAX_AGE_SECONDS },
    useSecureCookies: env.secure,
    cookies: env.secure ? hostOnlyCookies() : undefined,
    // Every Auth.js failure page comes back to the login request that started it, or to the admin
    // area's own page for a sign-in started there (lib/auth/idp-sign-in.ts).
    pages: { signIn: SOURCE_ERROR_PATH, error: SOURCE_ERROR_PATH },
    logger: authLogger,
    providers: env.sources.map(providerFor),
    callbacks: {
      signIn: checkIdToken,
      jwt: rememberIdentity,
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub
        session.source = typeof token.source === 'string' ? token.source : undefined
        session.signedInAt = typeof token.signedInAt === 'number' ? token.signedInAt : undefined
        session.identity = token.identity as MappedIdentity | undefined
        session.purpose = token.purpose === 'admin' || token.purpose === 'account' ? token.purpose : undefined
        return session
      },
      redirect({ url, baseUrl }) {
        return sameOriginRedirect(url, baseUrl)
      },
    },
  }
}

// The configuration depends only on the environment, which is read once per process (lib/env.ts):
// it is built on first use (not at build time, when there is no environment) and then reused,
// instead of rebuilt for every request that asks Auth.js anything.
let config: NextAuthConfig | undefined
export const { handlers, auth, signIn, signOut } = NextAuth(() => (config ??= buildConfig()))

export type CredentialSignIn =
  | { outcome: 'signed_in'; identity: MappedIdentity; signedInAt: number }
  | { outcome: 'refused' }
  | { outcome: 'throttled'; retryAfterMs: number }
  | { outcome: 'database_unavailable' }
  | { outcome: 'busy' }
  | { outcome: 'signed_out' }
  | { outcome: 'not_admin' }
  | { outcome: 'second_step'; userId: string; email: string; step: 'code' | 'enrol' | 'passkey' }
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
    if (thrown instanceof ChecksBusy) return { outcome: 'busy' }
    if (thrown instanceof AppSignedOut) return { outcome: 'signed_out' }
    if (thrown instanceof NotAnAdmin) return { outcome: 'not_admin' }
    if (thrown instanceof SecondStepNeeded) return { outcome: 'second_step', userId: thrown.userId, email: thrown.email, step: thrown.step }
    if (thrown instanceof CredentialsSignin) return { outcome: 'refused' }
    throw thrown
  }
  if (!captured.identity || !captured.signedInAt) throw new Error(`sign-in with ${sourceId} produced no identity`)
  return { outcome: 'signed_in', identity: captured.identity, signedInAt: captured.signedInAt }
}
