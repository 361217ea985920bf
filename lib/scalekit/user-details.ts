import 'server-only'
import type { McpServer } from '../servers/config'
import type { ScalekitUser } from '../sources/claims'
import type { ProblemCode } from '../login/problems'
import { ConnectError } from '@connectrpc/connect'
import { earlierAttemptMayHaveApplied, getScalekit, type ScalekitBridgeClient } from './client'
import { translateScalekitError } from './errors'
import { isOwnRepeat } from './attempts'

/**
 * Scalekit took the update (with its authRequestId), or refused a repeat of it after an attempt
 * whose answer was lost (firstAnswerLost: the update it holds is this one; no authRequestId came
 * back), or failed.
 */
export type ScalekitOutcome =
  | { ok: true; authRequestId: string; firstAnswerLost: false }
  | { ok: true; authRequestId: null; firstAnswerLost: true; detail: string }
  | { ok: false; problem: ProblemCode; detail: string }

/** The person's claims, or that they gave up (so the MCP client gets an error instead of waiting). */
export type LoginUserDetails = ScalekitUser | { loginFailed: true }

/** Posts what became of this login request to Scalekit, server to server. */
export async function updateLoginUserDetails(
  server: McpServer,
  loginRequestId: string,
  details: LoginUserDetails,
): Promise<ScalekitOutcome> {
  return sendLoginUserDetails(getScalekit(server.environment), server.connectionId, loginRequestId, details)
}

/** The call itself, through one environment's client (its deadline, retries and token). */
export async function sendLoginUserDetails(
  client: ScalekitBridgeClient,
  connectionId: string,
  loginRequestId: string,
  details: LoginUserDetails,
): Promise<ScalekitOutcome> {
  try {
    const response = await client.sdk.auth.updateLoginUserDetails(connectionId, loginRequestId, details)
    return { ok: true, authRequestId: response.authRequestId, firstAnswerLost: false }
  } catch (error) {
    const translated = translateScalekitError(error)
    if (error instanceof ConnectError && isOwnRepeat(error, earlierAttemptMayHaveApplied(error))) {
      return { ok: true, authRequestId: null, firstAnswerLost: true, detail: translated.detail }
    }
    return { ok: false, ...translated }
  }
}

/** Exactly {ENV}/sso/v1/connections/{conn}/partner:callback?state={encodeURIComponent(state)}. */
export function partnerCallbackUrl(environmentUrl: string, connectionId: string, state: string): string {
  return `${environmentUrl}/sso/v1/connections/${encodeURIComponent(connectionId)}/partner:callback?state=${encodeURIComponent(state)}`
}
