import 'server-only'
import { AuthError, CredentialsSignin } from 'next-auth'
import type { SourceFailure } from '../sources/call'
import type { ProblemCode } from '../login/problems'

// The ways a sign-in through Auth.js can end other than with a person, as errors that survive
// Auth.js (their `code`), and how an upstream IdP's failure becomes a problem page.

/** A source that could not answer; its `code` survives Auth.js so the caller can explain it. */
export class SourceUnavailable extends CredentialsSignin {
  constructor(readonly failure: SourceFailure) {
    super()
    this.code = failure.reason
  }
}

/** Too many failed sign-ins for this account or from this address: refused without a check. */
export class Throttled extends CredentialsSignin {
  code = 'throttled'
  constructor(readonly retryAfterMs: number) {
    super()
  }
}

/** The throttle (and so the sign-in) cannot be checked while the database is down: fail closed. */
export class ThrottleUnavailable extends CredentialsSignin {
  code = 'database_unavailable'
}

/** The process runs as many password checks as it allows at once: refused without waiting. */
export class ChecksBusy extends CredentialsSignin {
  code = 'busy'
}

/** The company app says this browser has no session there. */
export class AppSignedOut extends CredentialsSignin {
  code = 'signed_out'
}

/** Signing in at the admin area, the person is not an administrator: no session is made. */
export class NotAnAdmin extends CredentialsSignin {
  code = 'not_admin'
}

/**
 * The local user's password was right, but a second step must follow before there is a session:
 * an authenticator code, enrolling one (a second factor is required), or their passkey.
 */
export class SecondStepNeeded extends CredentialsSignin {
  code = 'second_step'
  constructor(
    readonly userId: string,
    readonly email: string,
    readonly step: 'code' | 'enrol' | 'passkey',
  ) {
    super()
  }
}

/** An ID token whose signature does not verify against the IdP's keys. */
export class IdTokenRejected extends AuthError {
  static type = 'IdTokenRejected'
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

/**
 * A callback that failed its state, PKCE or nonce check is what anyone can forge with a link, and
 * says nothing about the sign-in this browser has under way at the IdP.
 */
export function failedBrowserCheck(error: unknown): boolean {
  // InvalidCheck: a state, PKCE or nonce cookie that does not match; "response parameter": the
  // authorization response itself (its iss, state or code) did not validate.
  return causes(error).some(
    (e) => (e as { type?: unknown }).type === 'InvalidCheck' || (e instanceof Error && /response parameter/.test(e.message)),
  )
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
    if (
      (code === 'OAUTH_INVALID_RESPONSE' || code === 'OAUTH_UNSUPPORTED_OPERATION') &&
      /JW[ST] "alg"|JWS algorithm/.test((e as Error).message)
    ) {
      return { problem: 'idp_token_invalid', detail: `the ID token was refused: ${(e as Error).message}`.slice(0, 300) }
    }
    if (e instanceof TypeError && e.message === 'fetch failed') {
      return { problem: 'source_unavailable', detail: 'the identity provider could not be reached' }
    }
    // The deadline of a discovery request (lib/sources/document-cache.ts).
    if (e instanceof Error && e.name === 'TimeoutError') {
      return { problem: 'source_timeout', detail: 'the identity provider did not answer in time' }
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
