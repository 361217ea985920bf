import { Code, ConnectError } from '@connectrpc/connect'

// What the bridge does after one failed attempt of a Scalekit call, and what the failed attempts
// of a call say about whether Scalekit may have acted on it anyway. Pure, so every rule is tested
// on its own (attempts.test.ts); lib/scalekit/client.ts applies them at the SDK's seam.

/** The first attempt and at most this many more, whatever failed. */
export const MAX_RETRIES = 2

/** The one call whose repeat the bridge can recognize as its own (see isOwnRepeat). */
export const UPDATE_LOGIN_USER_DETAILS = 'scalekit.v1.auth.UpdateLoginUserDetailsRequest'

/** Node error codes that prove the request never left: no connection was ever made. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])

/** A passing outage: UNAVAILABLE, 5xx, an unknown failure. */
const OUTAGE = new Set([Code.Unavailable, Code.Internal, Code.Unknown])

/** No answer came: the deadline passed, or the stream was cancelled under the call. */
const NO_ANSWER = new Set([Code.DeadlineExceeded, Code.Canceled])

/** What the transport itself reported (a Node error somewhere in the cause chain), outermost first. */
function nodeErrorCodes(error: ConnectError): string[] {
  const codes: string[] = []
  const seen = new Set<unknown>()
  for (let cause: unknown = error.cause; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
    seen.add(cause)
    const code = (cause as { code?: unknown }).code
    if (typeof code === 'string') codes.push(code)
  }
  return codes
}

/**
 * A connection that dropped under the call: connect-node reports ECONNRESET and a destroyed
 * stream as ABORTED, a code Scalekit itself would use for a conflict. Told apart by the Node
 * error behind it.
 */
export function isDroppedConnection(error: ConnectError): boolean {
  return error.code === Code.Aborted && nodeErrorCodes(error).length > 0
}

/** The request never left the bridge, or the server refused the stream before reading it. */
function provenUnsent(error: ConnectError): boolean {
  if (nodeErrorCodes(error).some((code) => NEVER_CONNECTED.has(code))) return true
  return error.code === Code.Unavailable && error.rawMessage.includes('REFUSED_STREAM')
}

/**
 * Could Scalekit have applied this attempt although it failed? Yes for every failure that is not
 * an answer of the service, unless the request provably never reached it.
 */
export function mayHaveApplied(error: ConnectError): boolean {
  const unanswered = OUTAGE.has(error.code) || NO_ANSWER.has(error.code) || isDroppedConnection(error)
  return unanswered && !provenUnsent(error)
}

/**
 * Scalekit's answer to an update of a login request that already has its update. The real
 * service's code is not documented: FAILED_PRECONDITION and ALREADY_EXISTS both say it, while an
 * expired request (also FAILED_PRECONDITION in the stand-in) does not.
 */
export function isRepeatRefusal(error: ConnectError): boolean {
  if (error.code !== Code.FailedPrecondition && error.code !== Code.AlreadyExists) return false
  return !/expire/i.test(error.rawMessage)
}

/**
 * An update the bridge repeated after an attempt Scalekit may have applied, refused because the
 * request already holds an update: that update is the bridge's own, whose answer was lost. Only
 * the bridge updates its login requests, and it holds the single-use claim on this one.
 */
export function isOwnRepeat(error: ConnectError, earlierMayHaveApplied: boolean): boolean {
  return earlierMayHaveApplied && isRepeatRefusal(error)
}

export interface CallState {
  retries: number
  /** A timeout (or a cancelled stream) was retried already: one is retried, never two. */
  noAnswerRetried: boolean
  /** The token was refreshed already: once per call. */
  refreshed: boolean
  /** Some failed attempt of this call may have been applied (mayHaveApplied). */
  mayHaveApplied: boolean
}

export const FRESH_CALL: CallState = { retries: 0, noAnswerRetried: false, refreshed: false, mayHaveApplied: false }

export type NextStep = 'refresh' | 'retry' | 'give_up'

/**
 * After a failed attempt: refresh the token once on UNAUTHENTICATED; retry an outage or a
 * dropped connection, and, for a call whose repeat is recognizable, one timeout, all within
 * MAX_RETRIES; give up on anything else, which is Scalekit's answer.
 */
export function afterFailure(
  state: CallState,
  error: ConnectError,
  options: { repeatRecognizable: boolean },
): { step: NextStep; state: CallState } {
  const next = { ...state, mayHaveApplied: state.mayHaveApplied || mayHaveApplied(error) }
  if (error.code === Code.Unauthenticated) {
    return state.refreshed ? { step: 'give_up', state: next } : { step: 'refresh', state: { ...next, refreshed: true } }
  }
  if (state.retries >= MAX_RETRIES) return { step: 'give_up', state: next }
  if (OUTAGE.has(error.code) || isDroppedConnection(error)) return { step: 'retry', state: { ...next, retries: state.retries + 1 } }
  if (NO_ANSWER.has(error.code) && options.repeatRecognizable && !state.noAnswerRetried) {
    return { step: 'retry', state: { ...next, retries: state.retries + 1, noAnswerRetried: true } }
  }
  return { step: 'give_up', state: next }
}
