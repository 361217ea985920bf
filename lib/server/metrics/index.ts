import 'server-only'
import { metricsState, type BacklogSource } from './registry'
import {
  AUDIT_RESULTS,
  MAIL_KINDS,
  MAIL_RESULTS,
  type MailResult,
  DATABASE_OPERATIONS,
  LOGIN_OUTCOMES,
  oneOf,
  reasonLabel,
  scalekitOperationLabel,
  scalekitOutcomeLabel,
  serverLabel,
  SIGN_IN_RESULTS,
  sourceLabel,
  THROTTLE_SCOPES,
  type AuditDeliveryResult,
  type DatabaseOperation,
  type LoginOutcome,
  type SignInResult,
  type ThrottleScope,
} from './labels'

// What the login flow tells Prometheus: one call per event, each taking only bounded values
// (labels.ts). Counted after the ledger's transaction for the step has committed, never inside it.

export type { AuditDeliveryResult, DatabaseOperation, LoginOutcome, SignInResult, ThrottleScope }

const metrics = () => metricsState()?.metrics

/** A new login request was recorded (not a reload of one already known). */
export function countLoginReceived(server: string | undefined): void {
  metrics()?.loginRequestsReceived.inc({ server: serverLabel(server) })
}

/** How a login request (or one attempt at completing it) ended; `reason` is its problem code. */
export function countLoginOutcome(server: string | undefined, outcome: LoginOutcome, reason?: string): void {
  metrics()?.loginOutcomes.inc({ server: serverLabel(server), outcome: oneOf(LOGIN_OUTCOMES, outcome), reason: reasonLabel(reason) })
}

export function countSignIn(source: string | undefined, result: SignInResult): void {
  metrics()?.signIns.inc({ source: sourceLabel(source), result: oneOf(SIGN_IN_RESULTS, result) })
}

export function countThrottleLock(scope: ThrottleScope): void {
  metrics()?.throttleLocks.inc({ scope: oneOf(THROTTLE_SCOPES, scope) })
}

/**
 * Runs one Scalekit call (its retries included) and counts it by operation (the request's type
 * name) and outcome: "ok", or what `classify` makes of the error it threw, which is rethrown.
 */
export async function timeScalekitCall<T>(typeName: unknown, call: () => Promise<T>, classify: (error: unknown) => string): Promise<T> {
  const counted = metrics()
  if (!counted) return call()
  const operation = scalekitOperationLabel(typeName)
  const { scalekitCalls, scalekitDuration } = counted
  const stop = scalekitDuration.startTimer({ operation })
  try {
    const result = await call()
    scalekitCalls.inc({ operation, outcome: 'ok' })
    return result
  } catch (error) {
    scalekitCalls.inc({ operation, outcome: scalekitOutcomeLabel(classify(error)) })
    throw error
  } finally {
    stop()
  }
}

/** A client-credentials token fetch: "ok" or the problem code its failure translates to. */
export function countTokenFetch(outcome: string): void {
  metrics()?.tokenFetches.inc({ outcome: scalekitOutcomeLabel(outcome) })
}

export function countDatabaseError(operation: DatabaseOperation): void {
  metrics()?.databaseErrors.inc({ operation: oneOf(DATABASE_OPERATIONS, operation) })
}

/** The completing request's time from the claim to the ledger, given the performance.now() it started at. */
export function observeCompletion(outcome: 'completed' | 'cancelled' | 'failed', startedAt: number): void {
  metrics()?.completionDuration.observe({ outcome: oneOf(LOGIN_OUTCOMES, outcome) }, (performance.now() - startedAt) / 1000)
}

export function countAuditDelivery(result: AuditDeliveryResult): void {
  metrics()?.auditDeliveries.inc({ result: oneOf(AUDIT_RESULTS, result) })
}

export function countMailAttempt(kind: string, result: MailResult): void {
  metrics()?.mailAttempts.inc({ kind: oneOf(MAIL_KINDS, kind), result: oneOf(MAIL_RESULTS, result) })
}

/** Where the backlog gauge reads the number of undelivered audit events at each scrape. */
export function setAuditBacklogSource(source: BacklogSource | undefined): void {
  const state = metricsState()
  if (state) state.backlogSource = source
}

/** The scrape: the exposition text and its content type (only asked for with METRICS_TOKEN set). */
export async function scrapeMetrics(): Promise<{ body: string; contentType: string }> {
  const state = metricsState()
  if (!state) throw new Error('metrics are off: METRICS_TOKEN is not set')
  const { registry } = state
  return { body: await registry.metrics(), contentType: registry.contentType }
}
