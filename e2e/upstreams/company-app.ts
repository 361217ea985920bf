import type { IncomingMessage, ServerResponse } from 'node:http'
import { escapeHtml, randomToken, readFormBody, readJsonObject, redirect, safeEqual, sendHtml, sendJson } from '../stand-in/http-helpers'
import { noFault, parseCookieHeader, parseFaultSetting, startUpstreamServer, waitUnlessClosed, type FaultSetting } from './server-support'
import { createSecretRecorder, type SecretRecorder } from '../support/issued-secrets'

export interface CompanyAppOptions {
  /** 0 picks a free port. */
  port: number
  /** Origins `return_to` may send the browser back to after sign-in; anything else goes home. */
  allowedReturnOrigins: string[]
  /** Where the session ids it issues are recorded for the e2e log scan; none when absent. */
  secretsFile?: string
}

export interface CompanyApp {
  url: string
  close(): Promise<void>
}

export type CompanyAppFault = 'none' | 'slow' | 'http500'

export interface CompanyAppUser {
  email: string
  password: string
  /** What GET /api/me answers for this user. */
  profile: Record<string, unknown>
}

export const COMPANY_APP_USERS = {
  dana: {
    email: 'dana@company.test',
    password: 'dana-password',
    profile: {
      id: 'cu-2002',
      email: 'dana@company.test',
      emailVerified: true,
      displayName: 'Dana Scully',
      givenName: 'Dana',
      familyName: 'Scully',
      roles: ['agent'],
    },
  },
  // In the sources bridge's ADMIN_EMAILS (e2e/support/sources.ts): an administrator through the app.
  walter: {
    email: 'walter@company.test',
    password: 'walter-password',
    profile: {
      id: 'cu-1001',
      email: 'walter@company.test',
      emailVerified: true,
      displayName: 'Walter Skinner',
      givenName: 'Walter',
      familyName: 'Skinner',
      roles: ['director'],
    },
  },
} satisfies Record<string, CompanyAppUser>

export const SESSION_COOKIE = 'company_session'
/** Set beside the session so a test can prove a caller forwards only the cookie it was told to. */
export const PREFS_COOKIE = 'company_prefs'

const FAULT_MODES: readonly CompanyAppFault[] = ['none', 'slow', 'http500']

interface CompanyAppState {
  allowedReturnOrigins: ReadonlySet<string>
  /** Session id to the signed-in user. */
  sessions: Map<string, CompanyAppUser>
  fault: FaultSetting<CompanyAppFault>
  /** Cookie names received by each /api/me call, in order. */
  meCalls: string[][]
  recordSecret: SecretRecorder
}

export async function startCompanyApp(options: CompanyAppOptions): Promise<CompanyApp> {
  const state: CompanyAppState = {
    allowedReturnOrigins: new Set(options.allowedReturnOrigins.map((origin) => new URL(origin).origin)),
    sessions: new Map(),
    fault: noFault(),
    meCalls: [],
    recordSecret: createSecretRecorder(options.secretsFile),
  }
  return startUpstreamServer('company app', options.port, (req, res) => routeRequest(state, req, res))
}

async function routeRequest(state: CompanyAppState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://company-app')
  switch (`${req.method} ${url.pathname}`) {
    case 'GET /':
      return renderHomePage(res, signedInUser(state, req))
    case 'GET /login':
      return renderLoginPage(res, url.searchParams.get('return_to') ?? '')
    case 'POST /login':
      return handleLogin(state, req, res)
    case 'POST /logout': {
      const sessionId = parseCookieHeader(req.headers.cookie).get(SESSION_COOKIE)
      if (sessionId) state.sessions.delete(sessionId)
      res.setHeader('set-cookie', `${SESSION_COOKIE}=; Max-Age=0; HttpOnly; SameSite=Lax; Path=/`)
      return redirect(res, '/', 303)
    }
    case 'GET /api/me':
      return handleMe(state, req, res)
    case 'GET /_company-app/calls':
      return sendJson(res, 200, { count: state.meCalls.length, cookieNames: state.meCalls })
    case 'POST /_company-app/faults': {
      const fault = parseFaultSetting(await readJsonObject(req), FAULT_MODES)
      if (!fault) return sendJson(res, 400, { error: `mode must be one of ${FAULT_MODES.join(', ')}; delayMs a number` })
      state.fault = fault
      return sendJson(res, 200, { ok: true, fault })
    }
    // Sessions survive a reset: each e2e case signs in from a fresh browser anyway.
    case 'POST /_company-app/reset':
      state.fault = noFault()
      state.meCalls = []
      return sendJson(res, 200, { ok: true })
    default:
      return sendJson(res, 404, { error: 'not found' })
  }
}

async function handleLogin(state: CompanyAppState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = await readFormBody(req)
  const email = (form.get('email') ?? '').trim().toLowerCase()
  const returnTo = form.get('return_to') ?? ''
  const user = Object.values(COMPANY_APP_USERS).find((candidate) => candidate.email === email)
  if (!user || !safeEqual(form.get('password') ?? '', user.password)) {
    return renderLoginPage(res, returnTo, { error: 'Wrong email or password', email })
  }

  const sessionId = randomToken()
  state.recordSecret('company_session', sessionId)
  state.sessions.set(sessionId, user)
  res.setHeader('set-cookie', [`${SESSION_COOKIE}=${sessionId}; HttpOnly; SameSite=Lax; Path=/`, `${PREFS_COOKIE}=theme-dark; Path=/`])
  redirect(res, isAllowedReturnTo(state, returnTo) ? returnTo : '/', 303)
}

function isAllowedReturnTo(state: CompanyAppState, returnTo: string): boolean {
  if (!URL.canParse(returnTo)) return false
  const url = new URL(returnTo)
  return (url.protocol === 'http:' || url.protocol === 'https:') && state.allowedReturnOrigins.has(url.origin)
}

async function handleMe(state: CompanyAppState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  state.meCalls.push([...parseCookieHeader(req.headers.cookie).keys()])

  const { mode, delayMs } = state.fault
  if (mode === 'slow' && !(await waitUnlessClosed(res, delayMs))) return
  if (mode === 'http500') {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
    res.end('Internal Server Error')
    return
  }

  const user = signedInUser(state, req)
  if (!user) return sendJson(res, 401, { error: 'not_signed_in' })
  sendJson(res, 200, user.profile)
}

function signedInUser(state: CompanyAppState, req: IncomingMessage): CompanyAppUser | undefined {
  const sessionId = parseCookieHeader(req.headers.cookie).get(SESSION_COOKIE)
  return sessionId ? state.sessions.get(sessionId) : undefined
}

function renderLoginPage(res: ServerResponse, returnTo: string, failure?: { error: string; email: string }): void {
  sendHtml(
    res,
    failure ? 401 : 200,
    'Company app sign-in',
    `<main>
      <h1>Company app sign-in</h1>
      <p role="alert" aria-live="polite">${failure ? escapeHtml(failure.error) : ''}</p>
      <form method="post" action="/login">
        <input type="hidden" name="return_to" value="${escapeHtml(returnTo)}">
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" value="${escapeHtml(failure?.email ?? '')}" required>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in to Company app</button>
      </form>
    </main>`,
  )
}

function renderHomePage(res: ServerResponse, user: CompanyAppUser | undefined): void {
  const status = user
    ? `<p>Signed in as ${escapeHtml(String(user.profile.displayName))}.</p>
       <form method="post" action="/logout"><button type="submit">Sign out</button></form>`
    : '<p><a href="/login">Sign in</a></p>'
  sendHtml(res, 200, 'Company app home', `<main><h1>Company app home</h1>${status}</main>`)
}
