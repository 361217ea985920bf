import type { Metadata } from 'next'
import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { getEnv } from '@/lib/env'
import { getDb } from '@/lib/db/client'
import { errorText, fingerprint, logEvent } from '@/lib/server/log'
import { recordLoginReceived, recordLoginRejected } from '@/lib/ledger/record'
import { hashState } from '@/lib/login/request'
import { problemPath, PROBLEMS } from '@/lib/login/problems'
import type { LoginRequestRow } from '@/lib/db/schema'
import { auth } from '@/lib/auth/config'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import { Card, Heading, buttonPrimary, buttonQuiet, buttonSecondary } from '../ui'
import { SignInForm } from './sign-in-form'
import { cancelAction, continueAction, continueWithAppSessionAction, startIdpSignInAction, useAnotherAccountAction } from './actions'
import { loginPath, loginRequestFrom } from './params'
import { findSource } from '@/lib/auth/config'
import { isSessionFresh } from '@/lib/auth/session-age'
import { appLoginUrl, checkAppSession } from '@/lib/sources/calls'
import { sameOriginRedirect } from '@/lib/auth/redirects'
import type { IdentitySource } from '@/lib/sources/config'
import type { LoginRequestParams } from '@/lib/login/request'

export const metadata: Metadata = { title: 'Sign in' }

function clientAddress(h: Headers): string | null {
  // Set from the TCP peer by lib/server/startup.ts; a client-sent X-Forwarded-For is not trusted.
  return h.get(PEER_ADDRESS_HEADER) || null
}

function Hidden({ loginRequestId, state }: { loginRequestId: string; state: string }) {
  return (
    <>
      <input type="hidden" name="login_request_id" value={loginRequestId} />
      <input type="hidden" name="state" value={state} />
    </>
  )
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = await searchParams
  const parsed = loginRequestFrom(query.login_request_id, query.state)
  if (!parsed.ok) redirect(problemPath(parsed.problem))
  const params = parsed.params
  const env = getEnv()
  const h = await headers()

  let row: LoginRequestRow | undefined
  const arrived = Date.now()
  const cid = fingerprint(params.loginRequestId)
  try {
    const db = await getDb()
    row = await recordLoginReceived(db, {
      loginRequestId: params.loginRequestId,
      connectionId: env.SCALEKIT_CONNECTION_ID,
      stateHash: hashState(params.state),
      ttlSeconds: env.LOGIN_REQUEST_TTL_SECONDS,
      ip: clientAddress(h),
      userAgent: h.get('user-agent'),
    })
    if (row.created_at >= arrived) logEvent('login_received', { cid })
    if (row.status === 'pending' && row.expires_at <= Date.now()) {
      await recordLoginRejected(db, params.loginRequestId, { code: 'expired', message: PROBLEMS.expired.title })
      row = { ...row, status: 'expired' }
    }
  } catch (error) {
    logEvent('database_unavailable', { cid, error: errorText(error) })
    row = undefined
  }
  // Fails closed: no login without its ledger row.
  if (!row) redirect(problemPath('database_unavailable', params))
  if (row.status === 'expired') redirect(problemPath('expired'))
  if (row.status !== 'pending') redirect(problemPath('already_used'))

  const session = await auth()
  const sessionSource = findSource(session?.source)
  // The bridge's own session; a company-app session is asked afresh below instead.
  const ownSession = session?.identity?.ok && sessionSource && sessionSource.type !== 'session' ? session.identity.profile : null
  const signedIn = ownSession && isSessionFresh(session?.signedInAt) ? ownSession : null

  return (
    <Card>
      <Heading>Sign in to continue</Heading>
      <p className="mt-2 text-sm leading-6 text-slate-600">
        An MCP client (such as Claude, Cursor or VS Code) is asking to act on your behalf. Sign in to let it connect.
        Continue only if you started this from your MCP client just now.
      </p>

      {signedIn ? (
        <div className="mt-6 space-y-3">
          <p className="text-sm text-slate-700">
            You are signed in as <span className="font-medium">{signedIn.name || signedIn.email}</span>
            {signedIn.name ? <span className="text-slate-500"> ({signedIn.email})</span> : null}.
          </p>
          <form action={continueAction}>
            <Hidden {...params} />
            <button type="submit" className={buttonPrimary}>
              Continue as {signedIn.name || signedIn.email}
            </button>
          </form>
          <form action={useAnotherAccountAction}>
            <Hidden {...params} />
            <button type="submit" className={buttonSecondary}>
              Use another account
            </button>
          </form>
        </div>
      ) : (
        <>
          {ownSession ? (
            <p data-testid="session-expired" className="mt-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
              Your earlier sign-in here is too old to reuse. Sign in again.
            </p>
          ) : null}
          <SignInChoices params={params} sources={env.sources} cookieHeader={h.get('cookie')} />
        </>
      )}

      <form action={cancelAction} className="mt-3">
        <Hidden {...params} />
        <button type="submit" className={buttonQuiet}>
          Cancel
        </button>
      </form>
    </Card>
  )
}

/** One way in per configured source: the company app's session, each IdP, the email and password form. */
async function SignInChoices({ params, sources, cookieHeader }: { params: LoginRequestParams; sources: IdentitySource[]; cookieHeader: string | null }) {
  const env = getEnv()
  const returnTo = sameOriginRedirect(loginPath(params), env.APP_URL)
  const appSessions = await Promise.all(
    sources.flatMap((source) => (source.type === 'session' ? [checkAppSession(source, cookieHeader).then((check) => ({ source, check }))] : [])),
  )
  const credentials = sources.find((source) => source.type === 'local' || source.type === 'http')
  const idps = sources.filter((source) => source.type === 'oidc')
  const hasButtons = appSessions.length > 0 || idps.length > 0

  return (
    <div className="mt-6 space-y-3">
      {appSessions.map(({ source, check }) =>
        check.outcome === 'signed_in' && check.identity.ok ? (
          <form key={source.id} action={continueWithAppSessionAction}>
            <Hidden {...params} />
            <input type="hidden" name="source" value={source.id} />
            <button type="submit" className={buttonPrimary}>
              Continue as {check.identity.profile.name || check.identity.profile.email}
            </button>
            <p className="mt-1 text-center text-xs text-slate-500">signed in to {source.name}</p>
          </form>
        ) : (
          <div key={source.id}>
            <a href={appLoginUrl(source, returnTo)} className={buttonSecondary}>
              Sign in with {source.name}
            </a>
            {check.outcome === 'failed' ? (
              <p data-testid="source-notice" className="mt-1 text-xs text-amber-800">
                {source.name} did not answer just now; if you are already signed in there, try reloading this page.
              </p>
            ) : null}
          </div>
        ),
      )}
      {idps.map((source) => (
        <form key={source.id} action={startIdpSignInAction}>
          <Hidden {...params} />
          <input type="hidden" name="source" value={source.id} />
          <button type="submit" className={buttonSecondary}>
            Sign in with {source.name}
          </button>
        </form>
      ))}
      {credentials ? (
        <>
          {hasButtons ? (
            <p className="pt-2 text-center text-xs uppercase tracking-wide text-slate-500">or with your email and password</p>
          ) : null}
          <SignInForm loginRequestId={params.loginRequestId} state={params.state} source={credentials.id} />
        </>
      ) : null}
    </div>
  )
}
