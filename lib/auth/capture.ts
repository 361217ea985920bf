import 'server-only'
import { AsyncLocalStorage } from 'node:async_hooks'
import type { MappedIdentity } from '../sources/claims'
import type { SourceFailure } from '../sources/call'

// What one sign-in produced, for the server action or route handler that started it: Auth.js
// writes the session cookie to the response, where the same request can no longer read it.
export interface SignInCapture {
  identity?: MappedIdentity
  signedInAt?: number
  failure?: SourceFailure
  error?: unknown
  /** Set by the IdP callback route: this browser left for the IdP from a login request. */
  fromLoginRequest?: boolean
}
export const capture = new AsyncLocalStorage<SignInCapture>()

/** Runs Auth.js work and hands back what it captured: the identity of a sign-in, or its error. */
export async function withSignInCapture<T>(
  run: () => Promise<T>,
  known: Pick<SignInCapture, 'fromLoginRequest'> = {},
): Promise<{ value?: T; thrown?: unknown; captured: SignInCapture }> {
  const captured: SignInCapture = { ...known }
  try {
    return { value: await capture.run(captured, run), captured }
  } catch (thrown) {
    return { thrown, captured }
  }
}
