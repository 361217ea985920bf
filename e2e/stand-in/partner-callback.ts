import type { ServerResponse } from 'node:http'
import { buildClientRedirect } from './authorization-server'
import { escapeHtml, redirect, sendHtml } from './http-helpers'
import { isExpired, type StandInContext } from './stand-in-store'
import { INVALID_ID, isKnownConnection } from './user-details'

/**
 * The test side's one oracle of where the bridge must send the browser: the exact partner:callback
 * URL of security.md case 7. Written independently of lib/scalekit, so a regression there fails.
 */
export function expectedPartnerCallback(scalekitUrl: string, connectionId: string, state: string): string {
  return `${scalekitUrl}/sso/v1/connections/${connectionId}/partner:callback?state=${encodeURIComponent(state)}`
}

const UNKNOWN_STATE_MESSAGE = 'unknown or already used state'

/** GET /sso/v1/connections/{conn}/partner:callback?state=S, where the bridge returns the browser. */
export function handlePartnerCallback(context: StandInContext, connectionId: string, url: URL, res: ServerResponse): void {
  const { store } = context
  store.stats.partnerCallbacks += 1
  if (!isKnownConnection(context, connectionId)) return sendErrorPage(res, 404, INVALID_ID)

  const loginRequest = store.findLoginRequestByState(url.searchParams.get('state') ?? '')
  const ready = loginRequest && (loginRequest.user !== null || loginRequest.loginFailed)
  if (!loginRequest || loginRequest.connectionId !== connectionId || !ready || loginRequest.callbackUsed) {
    return sendErrorPage(res, 400, UNKNOWN_STATE_MESSAGE)
  }
  if (isExpired(loginRequest)) return sendErrorPage(res, 400, `${UNKNOWN_STATE_MESSAGE} (login request expired)`)
  loginRequest.callbackUsed = true

  const client = loginRequest.client
  if (!client) {
    // Started through the test API: no MCP client waits for a redirect, so show what arrived.
    const outcome = loginRequest.loginFailed ? 'failed' : 'completed'
    const userJson = JSON.stringify(loginRequest.user, null, 2)
    sendHtml(
      res,
      200,
      `Login request ${outcome}`,
      `<h1>Scalekit stand-in: login request ${escapeHtml(loginRequest.id)} ${outcome}</h1>` +
        `<pre data-testid="received-user">${escapeHtml(userJson)}</pre>`,
    )
    return
  }
  if (loginRequest.loginFailed || !loginRequest.user) {
    redirect(res, buildClientRedirect(client.redirectUri, { error: 'access_denied', state: client.clientState }))
    return
  }
  // The real service may show its consent screen here; the stand-in consents implicitly.
  const code = store.issueAuthorizationCode({
    clientId: client.clientId,
    redirectUri: client.redirectUri,
    codeChallenge: client.codeChallenge,
    scope: client.scope,
    resource: client.resource,
    user: loginRequest.user,
  })
  redirect(res, buildClientRedirect(client.redirectUri, { code, state: client.clientState }))
}

function sendErrorPage(res: ServerResponse, status: number, message: string): void {
  sendHtml(res, status, 'Scalekit stand-in error', `<h1>Scalekit stand-in</h1><p data-testid="callback-error">${escapeHtml(message)}</p>`)
}
