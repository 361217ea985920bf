import { describe, expect, it } from 'vitest'
import { Code, ConnectError } from '@connectrpc/connect'
import {
  afterFailure,
  FRESH_CALL,
  isDroppedConnection,
  isOwnRepeat,
  isRepeatRefusal,
  mayHaveApplied,
  MAX_RETRIES,
  type CallState,
  type NextStep,
} from './attempts'

// The rules behind the retry policy and the lost-answer rule, one failure at a time.

function nodeError(code: string): Error {
  return Object.assign(new Error(`node says ${code}`), { code })
}

function failure(code: Code, message = 'failed', cause?: Error): ConnectError {
  return new ConnectError(message, code, undefined, undefined, cause)
}

const timeout = () => failure(Code.DeadlineExceeded, 'the operation timed out')
const unavailable = () => failure(Code.Unavailable, 'fault injected: the answer was lost')
const refused = () => failure(Code.Unavailable, 'connect ECONNREFUSED', nodeError('ECONNREFUSED'))
const reset = () => failure(Code.Aborted, 'read ECONNRESET', nodeError('ECONNRESET'))
const alreadyCompleted = () => failure(Code.FailedPrecondition, 'login request already completed')

/** Runs a call's failures through the policy, as the seam does: the steps taken and the final state. */
function run(failures: ConnectError[], repeatRecognizable = true): { steps: NextStep[]; state: CallState } {
  let state = FRESH_CALL
  const steps: NextStep[] = []
  for (const error of failures) {
    const decided = afterFailure(state, error, { repeatRecognizable })
    steps.push(decided.step)
    state = decided.state
    if (decided.step === 'give_up') break
  }
  return { steps, state }
}

describe('mayHaveApplied: could Scalekit have acted on an attempt that failed?', () => {
  it('yes after a timeout, UNAVAILABLE, a 5xx, a reset or cancelled stream, a dropped connection', () => {
    for (const error of [
      timeout(),
      unavailable(),
      failure(Code.Internal, 'Stream closed with error code NGHTTP2_INTERNAL_ERROR', nodeError('ERR_HTTP2_STREAM_ERROR')),
      failure(Code.Unknown),
      failure(Code.Canceled, 'http/2 stream closed with error code CANCEL (0x8)'),
      reset(),
    ]) {
      expect(mayHaveApplied(error), error.message).toBe(true)
    }
  })

  it('no when the request provably never left, or the server refused the stream unread', () => {
    expect(mayHaveApplied(refused())).toBe(false)
    expect(mayHaveApplied(failure(Code.Unavailable, 'getaddrinfo ENOTFOUND', nodeError('ENOTFOUND')))).toBe(false)
    expect(mayHaveApplied(failure(Code.Unavailable, 'http/2 stream closed with error code REFUSED_STREAM (0x7)'))).toBe(false)
  })

  it("no for the service's own answers", () => {
    for (const code of [Code.NotFound, Code.InvalidArgument, Code.FailedPrecondition, Code.AlreadyExists, Code.Unauthenticated]) {
      expect(mayHaveApplied(failure(code)), Code[code]).toBe(false)
    }
    // ABORTED sent by the service is an answer; the same code from a reset connection is not.
    expect(mayHaveApplied(failure(Code.Aborted, 'conflict'))).toBe(false)
    expect(isDroppedConnection(failure(Code.Aborted, 'conflict'))).toBe(false)
    expect(isDroppedConnection(reset())).toBe(true)
  })
})

describe('afterFailure: the retry policy', () => {
  it('retries an outage twice, then gives up', () => {
    expect(run([unavailable(), unavailable(), unavailable()]).steps).toEqual(['retry', 'retry', 'give_up'])
    expect(MAX_RETRIES).toBe(2)
  })

  it('retries a dropped connection like an outage', () => {
    expect(run([reset(), reset(), reset()]).steps).toEqual(['retry', 'retry', 'give_up'])
  })

  it('retries one timeout of an update whose repeat it recognizes, never a second', () => {
    const { steps, state } = run([timeout(), timeout()])
    expect(steps).toEqual(['retry', 'give_up'])
    expect(state).toMatchObject({ retries: 1, noAnswerRetried: true, mayHaveApplied: true })
  })

  it('does not retry the timeout of any other call', () => {
    expect(run([timeout()], false).steps).toEqual(['give_up'])
  })

  it('keeps every retry within MAX_RETRIES, so a call makes at most three attempts', () => {
    expect(run([unavailable(), timeout(), unavailable()]).steps).toEqual(['retry', 'retry', 'give_up'])
    expect(run([unavailable(), unavailable(), timeout()]).steps).toEqual(['retry', 'retry', 'give_up'])
  })

  it('refreshes the token once on UNAUTHENTICATED, outside the retry budget', () => {
    const unauthenticated = () => failure(Code.Unauthenticated)
    expect(run([unauthenticated(), unavailable(), unavailable(), unauthenticated()]).steps).toEqual([
      'refresh',
      'retry',
      'retry',
      'give_up',
    ])
  })

  it("gives up at once on the service's answers (4xx)", () => {
    for (const code of [Code.NotFound, Code.InvalidArgument, Code.FailedPrecondition, Code.PermissionDenied]) {
      expect(run([failure(code)]).steps, Code[code]).toEqual(['give_up'])
    }
  })

  it('remembers that an earlier attempt may have been applied, and only then', () => {
    expect(run([unavailable(), alreadyCompleted()]).state.mayHaveApplied).toBe(true)
    expect(run([refused(), alreadyCompleted()]).state.mayHaveApplied).toBe(false)
    expect(run([failure(Code.Unauthenticated), alreadyCompleted()]).state.mayHaveApplied).toBe(false)
  })
})

describe('isOwnRepeat: a refused repeat after a lost answer', () => {
  it("is the bridge's own update only when an earlier attempt may have been applied", () => {
    expect(isOwnRepeat(alreadyCompleted(), true)).toBe(true)
    expect(isOwnRepeat(failure(Code.AlreadyExists, 'already updated'), true)).toBe(true)
    // The first answer of a submission: someone else's update, or a replay; never taken as success.
    expect(isOwnRepeat(alreadyCompleted(), false)).toBe(false)
  })

  it('is never an expiry, a server ABORTED, or another refusal', () => {
    expect(isRepeatRefusal(failure(Code.FailedPrecondition, 'login request expired'))).toBe(false)
    expect(isOwnRepeat(failure(Code.FailedPrecondition, 'login request expired'), true)).toBe(false)
    expect(isOwnRepeat(failure(Code.Aborted, 'conflict'), true)).toBe(false)
    expect(isOwnRepeat(failure(Code.NotFound, 'invalid ID'), true)).toBe(false)
    expect(isOwnRepeat(failure(Code.InvalidArgument), true)).toBe(false)
  })
})
