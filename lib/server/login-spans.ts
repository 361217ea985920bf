import type { LoginRequestParams } from '../login/request'
import type { Reception } from '../login/receive'
import type { CompletionResult } from '../login/complete'
import { decideAccess, type AccessDecision } from '../servers/policy'
import { updateLoginUserDetails, type LoginUserDetails, type ScalekitOutcome } from '../scalekit/user-details'
import { findServer, type McpServer } from '../servers'
import { loginAttributes, withScalekitCall, withSpan, withSpanSync, type SpanAttributes } from './spans'

// The login flow's spans (docs/operations.md, "Traces"), so each traced step in the flow is a
// one-line wrap: which login and server, and what came of the step. Outcomes are the bridge's own
// bounded words (problem codes, sign-in results, policy rules), never a value a person typed or
// a request carried.

/** `bridge.cid` and `bridge.server` of the login request a page or form acts on. */
function loginSpan(params: LoginRequestParams, extra: SpanAttributes = {}): SpanAttributes {
  return { ...loginAttributes(params.loginRequestId, findServer(params.server)?.key ?? params.server), ...extra }
}

/** `login.receive`: the login request arriving at the sign-in page (recorded, or why not). */
export function traceReception(params: LoginRequestParams, server: McpServer, run: () => Promise<Reception>): Promise<Reception> {
  const attributes = loginSpan(params, { 'bridge.server': server.key })
  return withSpan('login.receive', attributes, run, (reception) => ({ 'bridge.outcome': reception.ok ? 'received' : reception.problem }))
}

/** `login.sign_in`: one sign-in with a source, and its result (signed_in, refused, throttled...). */
export function traceSignIn<T extends { outcome: string }>(params: LoginRequestParams, source: string, run: () => Promise<T>): Promise<T> {
  return withSpan('login.sign_in', loginSpan(params, { 'bridge.source': source }), run, (result) => ({
    'bridge.sign_in.result': result.outcome,
  }))
}

/** `login.complete` / `login.cancel`: the completing step, ending submitted or with its problem. */
export function traceCompletion(
  name: 'login.complete' | 'login.cancel',
  params: LoginRequestParams,
  run: () => Promise<CompletionResult>,
): Promise<CompletionResult> {
  return withSpan(name, loginSpan(params), run, (result) => ({ 'bridge.outcome': result.ok ? 'submitted' : result.problem }))
}

function describePolicy(decision: AccessDecision): SpanAttributes {
  return decision.allowed
    ? { 'bridge.policy.decision': 'allowed' }
    : { 'bridge.policy.decision': 'denied', 'bridge.policy.rule': decision.rule }
}

/** decideAccess in its `login.policy` span: the server, the decision and the failing rule. */
export function decideAccessTraced(server: McpServer, person: Parameters<typeof decideAccess>[1]): AccessDecision {
  return withSpanSync('login.policy', { 'bridge.server': server.key }, () => decideAccess(server, person), describePolicy)
}

function describeScalekit(outcome: ScalekitOutcome): SpanAttributes {
  if (!outcome.ok) return { 'scalekit.outcome': outcome.problem }
  return { 'scalekit.outcome': outcome.firstAnswerLost ? 'first_answer_lost' : 'ok' }
}

/** updateLoginUserDetails in its `scalekit.update_login_user_details` span, one child span per attempt. */
export function updateLoginUserDetailsTraced(
  server: McpServer,
  loginRequestId: string,
  details: LoginUserDetails,
): Promise<ScalekitOutcome> {
  const attributes = { 'bridge.server': server.key }
  return withScalekitCall(
    'update_login_user_details',
    attributes,
    () => updateLoginUserDetails(server, loginRequestId, details),
    describeScalekit,
  )
}
