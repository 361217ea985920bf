import 'server-only'
import type { McpServer } from '../servers/config'
import type { ScalekitUser } from '../sources/claims'
import type { ProblemCode } from '../login/problems'
import { getScalekit } from './client'
import { translateScalekitError } from './errors'

export type ScalekitOutcome = { ok: true; authRequestId: string } | { ok: false; problem: ProblemCode; detail: string }

/** The person's claims, or that they gave up (so the MCP client gets an error instead of waiting). */
export type LoginUserDetails = ScalekitUser | { loginFailed: true }

/** Posts what became of this login request to Scalekit, server to server. */
export async function updateLoginUserDetails(
  server: McpServer,
  loginRequestId: string,
  details: LoginUserDetails,
): Promise<ScalekitOutcome> {
  const { sdk } = getScalekit(server.environment)
  try {
    const response = await sdk.auth.updateLoginUserDetails(server.connectionId, loginRequestId, details)
    return { ok: true, authRequestId: response.authRequestId }
  } catch (error) {
    return { ok: false, ...translateScalekitError(error) }
  }
}

/** Exactly {ENV}/sso/v1/connections/{conn}/partner:callback?state={encodeURIComponent(state)}. */
export function partnerCallbackUrl(environmentUrl: string, connectionId: string, state: string): string {
  return `${environmentUrl}/sso/v1/connections/${encodeURIComponent(connectionId)}/partner:callback?state=${encodeURIComponent(state)}`
}
