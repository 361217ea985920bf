import { headers } from 'next/headers'
import { getTranslations } from 'next-intl/server'
import { redirect } from 'next/navigation'
import { getEnv } from '@/lib/env'
import { problemPath } from '@/lib/login/problems'
import { receiveLoginRequest } from '@/lib/login/receive'
import { sessionIfAny } from '@/lib/auth/config'
import { PEER_ADDRESS_HEADER } from '@/lib/server/peer-address'
import { Heading, buttonPrimary, buttonSecondary } from '../ui'
import { Card } from '../card'
import { AppSignInLink } from '../app-session-link'
import { CancelForm, UseAnotherAccountForm } from './request-forms'
import { SignInForm } from './sign-in-form'
import { PasskeySignIn } from './passkey-sign-in'
import { ForgotPasswordLink, PasswordChangedNotice } from './forgot-link'
import { ArmedButton } from './armed-button'
import { servedAtToken } from '@/lib/login/served-at'
import { continueWithAppSessionAction, startIdpSignInAction } from './actions'
import { ContinueForm } from './continue-form'
import { loginPath, loginRequestFrom } from './params'
import { findSource } from '@/lib/auth/providers'
import { isSessionFresh } from '@/lib/auth/session-age'
import { checkAppSession, type AppSessionCheck } from '@/lib/sources/session'
import { sameOriginRedirect } from '@/lib/auth/redirects'
import type { SourceOfType } from '@/lib/sources/config'
import type { LoginRequestParams } from '@/lib/login/request'
import { offeredSources, type McpServer } from '@/lib/servers'
import { decideAccess, SECOND_FACTOR_RULE } from '@/lib/servers/policy'
import { Hidden } from './hidden'
import { getDb } from '@/lib/db/client'
import { traceReception } from '@/lib/server/login-spans'
import { findUserById, sessionStillValid } from '@/lib/users/directory'
import { passkeyBrowserWords, signInWords } from './words'

/** A local user's session counts only while the directory says so (enabled, not signed out everywhere). */
async function localSessionCounts(userId: string, signedInAt: number | undefined): Promise<boolean> {
  const user = await findUserById(await getDb(), userId)
  return user !== undefined && sessionStillValid(user, signedInAt)
}

type Query = Record<string, string | string[] | undefined>

/** Whole minutes until the login request can no longer be signed in, at least one. */
function minutesLeft(expiresAt: number): number {
  return Math.max(1, Math.round((expiresAt - Date.now()) / 60_000))
}

/**
 * The sign-in page of one MCP server: /login for the default one, /login/{key} for each (`key`
 * is the one in the address, absent at /login). `serverKey` is that key.
 */
export async function LoginScreen({ server, serverKey, query }: { server: McpServer; serverKey?: string; query: Query }) {
  const parsed = loginRequestFrom(query.login_request_id, query.state, serverKey)
  if (!parsed.ok) redirect(problemPath(parsed.problem))
  const params = parsed.params
  const env = getEnv()
  const h = await headers()

  const arrival = { ip: h.get(PEER_ADDRESS_HEADER) || null, userAgent: h.get('user-agent') }
  const reception = await traceReception(params, server, () => receiveLoginRequest(params, server, arrival))
  if (!reception.ok) redirect(problemPath(reception.problem, reception.problem === 'database_unavailable' ? params : undefined))

  const session = await sessionIfAny()
  const served = servedAtToken(env.SESSION_SECRET, params.loginRequestId)
  const sessionSource = findSource(session?.source)
  // The bridge's own session; a company-app session is asked afresh below instead.
  const ownSession =
    session?.identity?.ok && sessionSource && sessionSource.type !== 'session' && !session.purpose ? session.identity.profile : null
  const live = ownSession && sessionSource?.type === 'local' ? await localSessionCounts(ownSession.subject, session?.signedInAt) : true
  // Signed out everywhere or disabled since: nothing to continue, nothing to say (it is not too old).
  const fresh = ownSession && live && isSessionFresh(session?.signedInAt) ? ownSession : null
  // "Continue as" only for someone this server admits; anyone else signs in with another account.
  const decision = fresh ? decideAccess(server, fresh) : null
  const refused = fresh && decision && !decision.allowed ? fresh : null
  const needsSecondFactor = decision?.allowed === false && decision.rule === SECOND_FACTOR_RULE
  const signedIn = fresh && !refused ? fresh : null
  const t = await getTranslations('login')

  return (
    <Card>
      <Heading>{env.multiServer ? t('headingForServer', { server: server.name }) : t('heading')}</Heading>
      <Intro serverName={env.multiServer ? server.name : undefined} />
      <p data-testid="time-limit" className="mt-2 text-sm text-slate-600">
        {t('timeLimit', { minutes: minutesLeft(reception.expiresAt) })}
      </p>

      {query.reset === 'done' ? <PasswordChangedNotice /> : null}
      {signedIn ? (
        <ContinueAs params={params} person={signedIn} served={served} />
      ) : (
        <>
          {ownSession && live && !fresh ? (
            <p data-testid="session-expired" className="mt-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
              {t('sessionTooOld')}
            </p>
          ) : null}
          {refused ? (
            <p data-testid="session-refused" className="mt-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
              {needsSecondFactor
                ? t('sessionNeedsSecondFactor', { email: refused.email, server: server.name })
                : t('sessionRefused', { email: refused.email, server: server.name })}
            </p>
          ) : null}
          <SignInChoices params={params} server={server} cookieHeader={h.get('cookie')} served={served} />
        </>
      )}

      <CancelForm params={params} />
    </Card>
  )
}

/** What is asking, and for which server when the bridge serves several. */
async function Intro({ serverName }: { serverName?: string }) {
  const t = await getTranslations('login')
  return (
    <p className="mt-2 text-sm leading-6 text-slate-600">
      {serverName
        ? t.rich('introForServer', {
            server: serverName,
            name: (chunks) => (
              <span data-testid="server-name" className="font-medium text-slate-900">
                {chunks}
              </span>
            ),
          })
        : t('intro')}
    </p>
  )
}

/** The bridge's own fresh sign-in, offered for this login request: the person must choose it. */
async function ContinueAs({
  params,
  person,
  served,
}: {
  params: LoginRequestParams
  person: { name?: string; email: string }
  served: string
}) {
  const t = await getTranslations('login')
  const strong = (chunks: React.ReactNode) => <span className="font-medium">{chunks}</span>
  const quiet = (chunks: React.ReactNode) => <span className="text-slate-500">{chunks}</span>
  return (
    <div className="mt-6 space-y-3">
      <p className="text-sm text-slate-700">
        {person.name
          ? t.rich('signedInAsNamed', { name: person.name, email: person.email, strong, quiet })
          : t.rich('signedInAs', { email: person.email, strong })}
      </p>
      <ContinueForm params={params} served={served} label={t('continueAs', { person: person.name || person.email })} />
      <UseAnotherAccountForm params={params} />
    </div>
  )
}

/** The login request as a client form posts it back. */
function formFields(params: LoginRequestParams) {
  return { loginRequestId: params.loginRequestId, state: params.state, server: params.server }
}

/** One way in per configured source: the company app's session, each IdP, the email and password form. */
async function SignInChoices({
  params,
  server,
  cookieHeader,
  served,
}: {
  params: LoginRequestParams
  server: McpServer
  cookieHeader: string | null
  served: string
}) {
  const env = getEnv()
  const sources = offeredSources(server)
  const returnTo = sameOriginRedirect(loginPath(params), env.APP_URL)
  const appSessions = await Promise.all(
    sources.flatMap((source) =>
      source.type === 'session' ? [checkAppSession(source, cookieHeader).then((check) => ({ source, check }))] : [],
    ),
  )
  const credentials = sources.find((source) => source.type === 'local' || source.type === 'http')
  // Passkeys belong to the local directory: only a server that offers it gets the button.
  const passkeys = credentials?.type === 'local'
  const idps = sources.filter((source) => source.type === 'oidc')
  const hasButtons = appSessions.length > 0 || idps.length > 0
  const t = await getTranslations('login')
  const tf = await getTranslations('factors.passkey')

  return (
    <div className="mt-6 space-y-3">
      {appSessions.map(({ source, check }) => (
        <AppSessionChoice
          key={source.id}
          params={params}
          server={server}
          source={source}
          check={check}
          returnTo={returnTo}
          served={served}
        />
      ))}
      {idps.map((source) => (
        <form key={source.id} action={startIdpSignInAction}>
          <Hidden {...params} served={served} />
          <input type="hidden" name="source" value={source.id} />
          <ArmedButton className={buttonSecondary}>{t('signInWith', { source: source.name })}</ArmedButton>
        </form>
      ))}
      {credentials ? (
        <>
          {hasButtons ? <p className="pt-2 text-center text-xs uppercase tracking-wide text-slate-500">{t('orEmailPassword')}</p> : null}
          <SignInForm {...formFields(params)} source={credentials.id} passkeyAutofill={passkeys} words={await signInWords()} />
          {passkeys ? <ForgotPasswordLink params={params} /> : null}
          {passkeys ? (
            <PasskeySignIn {...formFields(params)} words={{ button: tf('signIn'), browser: await passkeyBrowserWords() }} />
          ) : null}
        </>
      ) : null}
    </div>
  )
}

/** The company app's session: "Continue as" when the app knows this browser, its sign-in otherwise. */
async function AppSessionChoice({
  params,
  server,
  source,
  check,
  returnTo,
  served,
}: {
  params: LoginRequestParams
  server: McpServer
  source: SourceOfType<'session'>
  check: AppSessionCheck
  returnTo: string
  served: string
}) {
  const t = await getTranslations('login')
  if (check.outcome === 'signed_in' && check.identity.ok && !decideAccess(server, check.identity.profile).allowed) {
    return (
      <p data-testid="source-refused" className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
        {t('sourceRefused', { source: source.name, email: check.identity.profile.email, server: server.name })}
      </p>
    )
  }
  if (check.outcome === 'signed_in' && check.identity.ok) {
    return (
      <form action={continueWithAppSessionAction}>
        <Hidden {...params} served={served} />
        <input type="hidden" name="source" value={source.id} />
        <ArmedButton className={buttonPrimary}>
          {t('continueAs', { person: check.identity.profile.name || check.identity.profile.email })}
        </ArmedButton>
        <p className="mt-1 text-center text-xs text-slate-500">{t('signedInToSource', { source: source.name })}</p>
      </form>
    )
  }
  return <AppSignInLink source={source} returnTo={returnTo} failed={check.outcome === 'failed'} />
}
