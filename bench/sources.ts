// Identity-source benchmark, the second half of `npm run bench:login` (chained after bench/login.ts
// with &&, as its own process: bench/login.ts loads lib/ in-process with its own environment, and
// lib/env.ts reads process.env once; here lib/ runs only inside the two `next start` servers).
// Alone: `tsx --conditions=react-server bench/sources.ts`.
//
// What it measures: the bridge's own time to complete a login through an upstream OIDC IdP and
// through the company's credential API ("http" source), without the upstreams' own time.
//
//  - In this process: the Scalekit stand-in, the test IdP (oidc-provider, with a client whose
//    redirect URI is the bench bridge's /api/auth/callback/acme) and the company API. Each one's
//    Node http/http2 server gets a first 'request' listener that records, per request, arrival and
//    the response's 'finish': the time the upstream spent handling it, server side.
//  - Two `next start` bridges, each with a fresh SQLite file in a temp dir and a single source: one
//    `oidc`, one `http`. Logins run one at a time, driven with fetch and a cookie jar per origin, no
//    JavaScript: what a browser with JavaScript off sends.
//  - OIDC: GET /login; POST the "Sign in with Acme IdP" server-action form (303 to the IdP); the
//    IdP's login and consent pages; GET /api/auth/callback/acme (code exchange, ID token signature
//    check, session); GET /login/resume (Scalekit updateLoginUserDetails); its 303 must be exactly
//    the stand-in's partner:callback URL.
//    completion overhead = client-observed latency of the callback and resume requests
//                          - upstream handling time of every request that arrived at the IdP
//                            (discovery, token, JWKS) or at Scalekit during those two requests.
//    sign-in start overhead = the "Sign in with" POST - the IdP's handling of the discovery
//                             request Auth.js makes while building the authorization URL.
//  - http: GET /login; POST the email/password form, whose 303 must be exactly partner:callback.
//    overhead = client-observed latency of that POST - company API /verify and Scalekit handling.
//  Upstream time is the union of the handling intervals, clipped to the bridge request, so parallel
//  calls are not subtracted twice. What stays in: everything the bridge does, Next.js's request
//  pipeline, and the bridge's own HTTP client work and loopback round trips to the upstreams.
//
// Loopback only: bridges on 3501 (oidc) and 3502 (http), stand-in 4340, IdP 4341 (control 4342),
// company API 4343, clear of the e2e suite's ports. Every loop is bounded in count and in time.
// Secrets are generated per run and never printed. Exits non-zero when any login fails.
// Results: a table, a final JSON line, and the bench-sources block of docs/benchmarks.md.

import { randomBytes } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import fs from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { startTestIdp, IDP_USERS } from '../e2e/upstreams/idp'
import { startCompanyApi, COMPANY_API_USERS } from '../e2e/upstreams/company-api'
import { acmeSource, credentialApiSource } from '../e2e/support/sources'
import { CookieJar, decodeHtml, parseAttributes, replaceMarkedBlock, round, signInFormHiddenInputs, summarize, watchMemory, type Summary } from './support'
import {
  boundedSetting,
  buildId,
  createLoginRequest,
  machine,
  ms,
  partnerCallbackUrl,
  ROOT,
  roundSummary,
  startBridgeServer,
  table,
  waitForHealth,
  type Machine,
  type RunningServer,
  cleanupOnExit,
  runBenchmark,
  startBenchStandIn,
  loadAverage,
} from './harness'

const COMMAND = 'npm run bench:login'

const OIDC_BRIDGE_PORT = 3501
const HTTP_BRIDGE_PORT = 3502
const STAND_IN_PORT = 4340
const IDP_PORT = 4341
const IDP_CONTROL_PORT = 4342
const COMPANY_API_PORT = 4343

const WARMUP_LOGINS = boundedSetting('BENCH_SOURCE_WARMUP_LOGINS', 20, 1, 500)
const LOGINS = boundedSetting('BENCH_SOURCE_LOGINS', 200, 1, 5000)
const TIME_LIMIT_MS = boundedSetting('BENCH_SOURCE_SECONDS', 180, 1, 1800) * 1000
const REQUEST_TIMEOUT_MS = 15_000
const SERVER_START_TIMEOUT_MS = 60_000
const WRITE_DOC = process.env.BENCH_WRITE_DOC !== '0'

// Per-run credentials: the upstreams and the bridges share them, nothing prints them. The bridges
// read the IdP client secret and the company API secret through "env:NAME", as a deployment would.
const CREDENTIALS = {
  clientId: `skc_bench_${randomBytes(6).toString('hex')}`,
  clientSecret: randomBytes(32).toString('base64url'),
  connectionId: `conn_bench${randomBytes(6).toString('hex')}`,
  idpClientId: `bench-bridge-${randomBytes(4).toString('hex')}`,
  idpClientSecret: randomBytes(32).toString('base64url'),
  companyApiSecret: randomBytes(32).toString('base64url'),
}
const TTL_SECONDS = 600

const OIDC_SOURCE_ID = acmeSource.id
const HTTP_SOURCE_ID = credentialApiSource.id
const IDP_USER = IDP_USERS.ada
const API_USER = COMPANY_API_USERS.casey

// ---------------------------------------------------------------------------------------------
// Upstream handling time, recorded at each upstream's own server

type Upstream = 'scalekit' | 'idp' | 'company-api'

interface UpstreamCall {
  upstream: Upstream
  route: string
  arrivedAt: number
  finishedAt: number
}

/** Calls up to now, one login at a time: cleared before each login, read after it. */
const upstreamCalls: UpstreamCall[] = []

/** Records every request a server handles, from the 'request' event to the response's 'finish'. */
function timeRequests(server: EventEmitter, upstream: Upstream): void {
  server.prependListener('request', (req: { method?: string; url?: string }, res: EventEmitter) => {
    const arrivedAt = performance.now()
    const route = routeName(upstream, req.method ?? 'GET', (req.url ?? '/').split('?')[0] ?? '/')
    let recorded = false
    const done = () => {
      if (recorded) return
      recorded = true
      upstreamCalls.push({ upstream, route, arrivedAt, finishedAt: performance.now() })
    }
    res.once('finish', done)
    // A response whose client went away never finishes; it still took this long.
    res.once('close', done)
  })
}

function routeName(upstream: Upstream, method: string, pathname: string): string {
  // gRPC methods are /package.Service/Method: the method is enough.
  if (upstream === 'scalekit' && method === 'POST' && /^\/[\w.]+\/\w+$/.test(pathname)) return `gRPC ${pathname.slice(pathname.lastIndexOf('/') + 1)}`
  if (upstream === 'idp' && pathname.startsWith('/interaction/')) return `${method} /interaction/…`
  if (upstream === 'idp' && pathname.startsWith('/auth/')) return `${method} /auth/…`
  return `${method} ${pathname}`
}

/**
 * Starts an upstream while capturing the http/http2 servers it creates, so their request handling
 * can be timed without changing the upstream's code. Upstreams are started one at a time.
 */
async function startTimed<T>(upstream: Upstream, start: () => Promise<T>): Promise<T> {
  const created: EventEmitter[] = []
  const httpCreate = http.createServer
  const http2Create = http2.createServer
  http.createServer = function (this: unknown, ...args: unknown[]) {
    const server = Reflect.apply(httpCreate, this, args) as http.Server
    created.push(server)
    return server
  } as typeof http.createServer
  http2.createServer = function (this: unknown, ...args: unknown[]) {
    const server = Reflect.apply(http2Create, this, args) as http2.Http2Server
    created.push(server)
    return server
  } as typeof http2.createServer
  try {
    const started = await start()
    if (created.length === 0) throw new Error(`${upstream}: no server was created through node:http or node:http2, so nothing can be timed`)
    for (const server of created) timeRequests(server, upstream)
    return started
  } finally {
    http.createServer = httpCreate
    http2.createServer = http2Create
  }
}

/** An upstream call seen during one of the measured bridge requests, and which one. */
interface PhaseCall extends UpstreamCall {
  phase: string
}

interface Window {
  from: number
  to: number
}

interface UpstreamShare {
  /** Union of the handling intervals of the calls that arrived inside the windows, clipped to them. */
  busyMs: number
  calls: UpstreamCall[]
}

function upstreamTimeWithin(windows: Window[], upstreams: readonly Upstream[]): UpstreamShare {
  let busyMs = 0
  const calls: UpstreamCall[] = []
  for (const window of windows) {
    const inside = upstreamCalls
      .filter((call) => upstreams.includes(call.upstream) && call.arrivedAt >= window.from && call.arrivedAt <= window.to)
      .sort((a, b) => a.arrivedAt - b.arrivedAt)
    calls.push(...inside)
    let coveredTo = window.from
    for (const call of inside) {
      const start = Math.max(call.arrivedAt, coveredTo)
      const end = Math.min(call.finishedAt, window.to)
      if (end > start) busyMs += end - start
      coveredTo = Math.max(coveredTo, end)
    }
  }
  return { busyMs, calls }
}

// ---------------------------------------------------------------------------------------------
// A browser without JavaScript

/** One origin's cookies (the bridge's, or the IdP's), timed request by request. */
class Origin {
  readonly jar = new CookieJar()
  constructor(readonly origin: string) {}

  async send(url: string, init: RequestInit = {}): Promise<{ response: Response; body: string; window: Window }> {
    const headers = new Headers(init.headers)
    const cookie = this.jar.header()
    if (cookie) headers.set('cookie', cookie)
    const from = performance.now()
    const response = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const body = await response.text()
    const to = performance.now()
    this.jar.store(response)
    return { response, body, window: { from, to } }
  }
}

class LoginFailure extends Error {}

function fail(message: string): never {
  throw new LoginFailure(message)
}

function expectRedirect(response: Response, from: string, what: string): URL {
  const location = response.headers.get('location')
  if (response.status < 300 || response.status >= 400 || !location) fail(`${what} answered ${response.status}, not a redirect`)
  return new URL(location, from)
}

/** Where a URL goes, without its query (which holds codes and states), for error messages. */
function shown(url: URL | string): string {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}

/** The hidden inputs of the server-action form whose button reads "Sign in with <name>" for `sourceId`. */
function idpFormHiddenInputs(html: string, sourceId: string, name: string): Array<[string, string]> | null {
  for (const match of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const body = match[1] ?? ''
    const inputs = [...body.matchAll(/<input\b[^>]*>/gi)].map((input) => parseAttributes(input[0].slice('<input'.length)))
    if (!inputs.some((input) => input.type === 'hidden' && input.name === 'source' && input.value === sourceId)) continue
    // React separates adjacent text nodes with <!-- --> in server-rendered HTML.
    const text = decodeHtml(body.replace(/<!--[\s\S]*?-->/g, '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ')
    if (!text.includes(`Sign in with ${name}`)) continue
    return inputs
      .filter((input) => input.type === 'hidden' && input.name !== undefined)
      .map((input): [string, string] => [input.name ?? '', input.value ?? ''])
  }
  return null
}

function multipart(fields: Array<[string, string]>): FormData {
  const form = new FormData()
  for (const [name, value] of fields) form.append(name, value)
  return form
}

/** The login request's URL on a given bridge (the stand-in names one bridge; the query is what matters). */
function loginUrlOn(bridgeUrl: string, loginUrl: string): string {
  const url = new URL(loginUrl)
  return `${bridgeUrl}${url.pathname}${url.search}`
}

async function openLoginPage(bridge: Origin, standInUrl: string) {
  const request = await createLoginRequest(standInUrl, REQUEST_TIMEOUT_MS)
  const loginUrl = loginUrlOn(bridge.origin, request.loginUrl)
  const page = await bridge.send(loginUrl)
  if (page.response.status !== 200) fail(`GET /login answered ${page.response.status}`)
  if (!bridge.jar.has('byoa_login')) fail('GET /login set no byoa_login cookie')
  return { request, loginUrl, html: page.body }
}

/** The stand-in's record of the login request: Scalekit received this person, once. */
async function expectReceivedUser(standInUrl: string, loginRequestId: string, email: string, sub: string): Promise<void> {
  const response = await fetch(`${standInUrl}/_standin/login-requests/${encodeURIComponent(loginRequestId)}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  const record = (await response.json()) as { user?: { email?: string; sub?: string } | null; userDetailsCalls?: number }
  if (record.user?.email !== email || record.user?.sub !== sub) fail('Scalekit did not receive the expected user')
  if (record.userDetailsCalls !== 1) fail(`Scalekit received ${record.userDetailsCalls} user-details calls, not 1`)
}

const samePost = (origin: string) => ({ origin, 'sec-fetch-site': 'same-origin' })

interface OidcLogin {
  startMs: number
  startIdpMs: number
  callbackMs: number
  resumeMs: number
  completionUpstreamMs: number
  idpMs: number
  scalekitMs: number
  wholeMs: number
  calls: PhaseCall[]
}

async function oidcLogin(bridgeUrl: string, standInUrl: string, issuer: string): Promise<OidcLogin> {
  upstreamCalls.length = 0
  const began = performance.now()
  const bridge = new Origin(bridgeUrl)
  const idp = new Origin(new URL(issuer).origin)
  const { request, loginUrl, html } = await openLoginPage(bridge, standInUrl)
  const hidden = idpFormHiddenInputs(html, OIDC_SOURCE_ID, acmeSource.name)
  if (!hidden) fail(`no "Sign in with ${acmeSource.name}" form in the page`)
  if (!hidden.some(([name]) => name.startsWith('$ACTION_'))) fail('the "Sign in with" form has no server-action fields')

  const start = await bridge.send(loginUrl, { method: 'POST', body: multipart(hidden), headers: samePost(bridgeUrl) })
  if (start.response.status !== 303) fail(`the "Sign in with" POST answered ${start.response.status}, not 303`)
  let next = expectRedirect(start.response, loginUrl, 'the "Sign in with" POST')
  if (`${next.origin}${next.pathname}` !== `${idp.origin}/auth`) fail(`the "Sign in with" POST went to ${shown(next)}, not the IdP's /auth`)

  // The IdP's pages, as the idp.test.ts browser walks them: redirects inside the IdP, two forms.
  let page = ''
  const walk = async (url: URL, init: RequestInit = {}): Promise<URL | null> => {
    let current = url
    let step = await idp.send(current.toString(), init)
    for (let hops = 0; step.response.status >= 300 && step.response.status < 400; hops += 1) {
      if (hops > 10) fail('too many redirects at the IdP')
      const location = expectRedirect(step.response, current.toString(), 'the IdP')
      if (location.origin !== idp.origin) return location
      current = location
      step = await idp.send(current.toString())
    }
    if (step.response.status !== 200) fail(`the IdP answered ${step.response.status} at ${shown(current)}`)
    page = step.body
    next = current
    return null
  }
  const submit = (fields: Record<string, string>) => {
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1]
    if (!action) fail(`no form on the IdP page ${shown(next)}`)
    return walk(new URL(decodeHtml(action), next), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    })
  }
  if ((await walk(next)) !== null || !page.includes('Acme IdP sign-in')) fail('the IdP did not show its sign-in page')
  if ((await submit({ username: IDP_USER.username, password: IDP_USER.password })) !== null || !page.includes('Allow access?')) {
    fail('the IdP did not show its consent page after the sign-in')
  }
  const back = await submit({ decision: 'allow' })
  if (!back || `${back.origin}${back.pathname}` !== `${bridgeUrl}/api/auth/callback/${OIDC_SOURCE_ID}`) {
    fail(`the IdP sent the browser to ${back ? shown(back) : 'a page'}, not the bridge's callback`)
  }

  // The two completing requests: the IdP's redirect arrives as a cross-site top-level navigation.
  const callback = await bridge.send(back.toString(), { headers: { 'sec-fetch-site': 'same-site' } })
  const resumeUrl = expectRedirect(callback.response, back.toString(), 'the callback')
  if (`${resumeUrl.origin}${resumeUrl.pathname}` !== `${bridgeUrl}/login/resume` || resumeUrl.searchParams.get('login_request_id') !== request.loginRequestId) {
    fail(`the callback sent the browser to ${shown(resumeUrl)}, not /login/resume for this login request`)
  }
  const resume = await bridge.send(resumeUrl.toString(), { headers: { 'sec-fetch-site': 'same-origin' } })
  if (resume.response.status !== 303) fail(`/login/resume answered ${resume.response.status}, not 303`)
  const expected = partnerCallbackUrl(standInUrl, CREDENTIALS.connectionId, request.state)
  if (resume.response.headers.get('location') !== expected) fail(`/login/resume redirected to ${shown(resume.response.headers.get('location') ?? 'about:blank')}, not exactly partner:callback`)
  const wholeMs = performance.now() - began
  await expectReceivedUser(standInUrl, request.loginRequestId, IDP_USER.claims.email, IDP_USER.claims.sub)

  const completion = upstreamTimeWithin([callback.window, resume.window], ['idp', 'scalekit'])
  const idpShare = upstreamTimeWithin([callback.window, resume.window], ['idp'])
  const scalekitShare = upstreamTimeWithin([callback.window, resume.window], ['scalekit'])
  if (!idpShare.calls.some((call) => call.route === 'POST /token')) fail('no IdP token request was seen during the callback')
  if (!scalekitShare.calls.some((call) => call.route === 'gRPC UpdateLoginUserDetails')) fail('no UpdateLoginUserDetails was seen during the resume')
  const startShare = upstreamTimeWithin([start.window], ['idp'])
  return {
    startMs: start.window.to - start.window.from,
    startIdpMs: startShare.busyMs,
    callbackMs: callback.window.to - callback.window.from,
    resumeMs: resume.window.to - resume.window.from,
    completionUpstreamMs: completion.busyMs,
    idpMs: idpShare.busyMs,
    scalekitMs: scalekitShare.busyMs,
    wholeMs,
    calls: [
      ...startShare.calls.map((call) => ({ ...call, phase: 'sign-in start' })),
      ...completion.calls.map((call) => ({ ...call, phase: 'completion' })),
    ],
  }
}

interface HttpLogin {
  postMs: number
  upstreamMs: number
  companyApiMs: number
  scalekitMs: number
  calls: PhaseCall[]
}

async function httpLogin(bridgeUrl: string, standInUrl: string): Promise<HttpLogin> {
  upstreamCalls.length = 0
  const bridge = new Origin(bridgeUrl)
  const { request, loginUrl, html } = await openLoginPage(bridge, standInUrl)
  const hidden = signInFormHiddenInputs(html)
  if (!hidden) fail('no email and password form in the page')
  if (!hidden.some(([name, value]) => name === 'source' && value === HTTP_SOURCE_ID)) fail(`the form is not the ${HTTP_SOURCE_ID} source's`)
  const fields: Array<[string, string]> = [...hidden, ['email', API_USER.email], ['password', API_USER.password]]
  const post = await bridge.send(loginUrl, { method: 'POST', body: multipart(fields), headers: samePost(bridgeUrl) })
  if (post.response.status !== 303) fail(`POST /login answered ${post.response.status}, not 303`)
  const expected = partnerCallbackUrl(standInUrl, CREDENTIALS.connectionId, request.state)
  if (post.response.headers.get('location') !== expected) fail(`POST /login redirected to ${shown(post.response.headers.get('location') ?? 'about:blank')}, not exactly partner:callback`)
  await expectReceivedUser(standInUrl, request.loginRequestId, API_USER.profile.work_email, API_USER.profile.employee_id)

  const all = upstreamTimeWithin([post.window], ['company-api', 'scalekit'])
  const api = upstreamTimeWithin([post.window], ['company-api'])
  if (!api.calls.some((call) => call.route === 'POST /verify')) fail('no company API /verify was seen during the POST')
  return {
    postMs: post.window.to - post.window.from,
    upstreamMs: all.busyMs,
    companyApiMs: api.busyMs,
    scalekitMs: upstreamTimeWithin([post.window], ['scalekit']).busyMs,
    calls: all.calls.map((call) => ({ ...call, phase: 'sign-in POST' })),
  }
}

// ---------------------------------------------------------------------------------------------
// Runs

interface RouteStats {
  phase: string
  upstream: Upstream
  route: string
  /** Calls inside the measured windows, over all measured logins. */
  calls: number
  handlingMs: Summary
}

interface Run<T> {
  warmup: number
  measured: T[]
  failures: number
  warmupFailures: number
  errorSamples: string[]
  timeLimited: boolean
  elapsedSeconds: number
  routes: RouteStats[]
  peakRssMb: number
}

async function runLogins<T extends { calls: PhaseCall[] }>(login: () => Promise<T>, server: RunningServer): Promise<Run<T>> {
  const memory = watchMemory(server.pid)
  const measured: T[] = []
  const errors: string[] = []
  let failures = 0
  let warmupFailures = 0
  let attempted = 0
  const started = performance.now()
  const deadline = started + TIME_LIMIT_MS
  for (let i = 0; i < WARMUP_LOGINS + LOGINS && performance.now() < deadline; i += 1) {
    const isWarmup = i < WARMUP_LOGINS
    if (!isWarmup) attempted += 1
    try {
      const result = await login()
      if (!isWarmup) measured.push(result)
    } catch (error) {
      if (isWarmup) warmupFailures += 1
      else failures += 1
      const message = error instanceof LoginFailure ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      if (errors.length < 5 && !errors.includes(message)) errors.push(message)
    }
  }
  const peak = memory.stop()
  const byRoute = new Map<string, { phase: string; upstream: Upstream; route: string; samples: number[] }>()
  for (const call of measured.flatMap((result) => result.calls)) {
    const key = `${call.phase} ${call.upstream} ${call.route}`
    const entry = byRoute.get(key) ?? { phase: call.phase, upstream: call.upstream, route: call.route, samples: [] }
    entry.samples.push(call.finishedAt - call.arrivedAt)
    byRoute.set(key, entry)
  }
  return {
    warmup: WARMUP_LOGINS,
    measured,
    failures,
    warmupFailures,
    errorSamples: errors,
    timeLimited: attempted < LOGINS,
    elapsedSeconds: (performance.now() - started) / 1000,
    routes: [...byRoute.values()].map((entry) => ({ phase: entry.phase, upstream: entry.upstream, route: entry.route, calls: entry.samples.length, handlingMs: summarize(entry.samples) })),
    peakRssMb: peak.peakTreeRssKb / 1024,
  }
}

function bridgeEnv(port: number, databaseFile: string, standInUrl: string, sources: unknown[]): Record<string, string> {
  return {
    APP_URL: `http://localhost:${port}`,
    SCALEKIT_ENVIRONMENT_URL: standInUrl,
    SCALEKIT_CLIENT_ID: CREDENTIALS.clientId,
    SCALEKIT_CLIENT_SECRET: CREDENTIALS.clientSecret,
    SCALEKIT_CONNECTION_ID: CREDENTIALS.connectionId,
    // Each bridge its own session secrets.
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_SECRET: randomBytes(32).toString('base64url'),
    DATABASE_URL: `file:${databaseFile}`,
    AUTH_TRUST_HOST: 'true',
    LOGIN_REQUEST_TTL_SECONDS: String(TTL_SECONDS),
    SCALEKIT_TIMEOUT_MS: '5000',
    IDENTITY_SOURCES: JSON.stringify(sources),
    BENCH_IDP_CLIENT_SECRET: CREDENTIALS.idpClientSecret,
    BENCH_COMPANY_API_SECRET: CREDENTIALS.companyApiSecret,
    PORT: String(port),
    NEXT_TELEMETRY_DISABLED: '1',
    // The benchmark runs with the react-server condition; the server must not inherit it.
    NODE_OPTIONS: '',
  }
}

// ---------------------------------------------------------------------------------------------
// Report

interface Results {
  /** 1-minute load average when the runs started and ended: the machine may be shared. */
  load: { start: number; end: number }
  oidc: {
    run: Run<OidcLogin>
    overheadMs: Summary
    clientMs: Summary
    callbackMs: Summary
    resumeMs: Summary
    upstreamMs: Summary
    idpMs: Summary
    scalekitMs: Summary
    startOverheadMs: Summary
    startMs: Summary
    startIdpMs: Summary
    wholeMs: Summary
  }
  http: {
    run: Run<HttpLogin>
    overheadMs: Summary
    postMs: Summary
    upstreamMs: Summary
    companyApiMs: Summary
    scalekitMs: Summary
  }
}

function summarizeOidc(run: Run<OidcLogin>): Results['oidc'] {
  const m = run.measured
  return {
    run,
    overheadMs: summarize(m.map((l) => l.callbackMs + l.resumeMs - l.completionUpstreamMs)),
    clientMs: summarize(m.map((l) => l.callbackMs + l.resumeMs)),
    callbackMs: summarize(m.map((l) => l.callbackMs)),
    resumeMs: summarize(m.map((l) => l.resumeMs)),
    upstreamMs: summarize(m.map((l) => l.completionUpstreamMs)),
    idpMs: summarize(m.map((l) => l.idpMs)),
    scalekitMs: summarize(m.map((l) => l.scalekitMs)),
    startOverheadMs: summarize(m.map((l) => l.startMs - l.startIdpMs)),
    startMs: summarize(m.map((l) => l.startMs)),
    startIdpMs: summarize(m.map((l) => l.startIdpMs)),
    wholeMs: summarize(m.map((l) => l.wholeMs)),
  }
}

function summarizeHttp(run: Run<HttpLogin>): Results['http'] {
  const m = run.measured
  return {
    run,
    overheadMs: summarize(m.map((l) => l.postMs - l.upstreamMs)),
    postMs: summarize(m.map((l) => l.postMs)),
    upstreamMs: summarize(m.map((l) => l.upstreamMs)),
    companyApiMs: summarize(m.map((l) => l.companyApiMs)),
    scalekitMs: summarize(m.map((l) => l.scalekitMs)),
  }
}

const cells = (s: Summary) => [s.p50, s.p95, s.p99, s.max].map((v) => ms(v))

function runLine(name: string, run: Run<unknown>): string {
  return `${name}: ${run.measured.length} measured logins after ${run.warmup} warm-up (bound ${LOGINS} or ${TIME_LIMIT_MS / 1000} s${run.timeLimited ? '; the time bound ended the run' : ''}), ${run.failures} failures (warm-up: ${run.warmupFailures}), ${round(run.elapsedSeconds, 1)} s; bridge peak RSS ${round(run.peakRssMb, 1)} MB`
}

function routeRows(source: string, run: Run<unknown>, logins: number): string[] {
  return run.routes.map(
    (r) => `| ${source} ${r.phase}: ${r.upstream} \`${r.route}\` | ${round(r.calls / Math.max(1, logins), 2)} | ${ms(r.handlingMs.p50)} | ${ms(r.handlingMs.p95)} |`,
  )
}

function markdownReport(date: string, host: Machine, results: Results): string {
  const { oidc, http: api } = results
  const row = (label: string, s: Summary) => `| ${label} | ${cells(s).join(' | ')} |`
  return [
    `Measured ${date} with \`${COMMAND}\` (bench/sources.ts) on ${host.cores} cores (${host.cpu}), ${host.memoryGb} GB RAM, Node ${host.node}, ${host.os}.`,
    '',
    'Method: logins run one at a time against two `next start` bridges (one `oidc` source, one `http` source), driven with fetch and a cookie jar, no JavaScript, each ending on the exact partner:callback URL. The Scalekit stand-in, the test IdP (oidc-provider) and the company API run in the benchmark process, where each request they handle is timed from its arrival to the response\'s `finish`; overhead = client-observed latency of the bridge requests that complete the login minus the time the upstreams spent handling the requests that arrived during them (union of intervals). What remains is the bridge\'s own work, Next.js\'s request pipeline and the bridge\'s HTTP client and loopback round trips to the upstreams.',
    '',
    `- ${runLine('OIDC', oidc.run)}.`,
    `- ${runLine('http', api.run)}.`,
    `- 1-minute load average at the start / end: ${results.load.start} / ${results.load.end} (${host.cores} cores; the upstreams and the benchmark's client share them with the bridges).`,
    '',
    '| | p50 | p95 | p99 | max |',
    '|---|---:|---:|---:|---:|',
    row('**OIDC completion overhead** (callback + resume − IdP − Scalekit)', oidc.overheadMs),
    row('OIDC callback + resume, client-observed', oidc.clientMs),
    row('of which `GET /api/auth/callback/acme`', oidc.callbackMs),
    row('of which `GET /login/resume`', oidc.resumeMs),
    row('upstream time excluded (IdP + Scalekit)', oidc.upstreamMs),
    row('**OIDC sign-in start overhead** ("Sign in with" POST − IdP discovery)', oidc.startOverheadMs),
    row('"Sign in with" POST, client-observed', oidc.startMs),
    row('**http completion overhead** (sign-in POST − company API − Scalekit)', api.overheadMs),
    row('sign-in POST, client-observed', api.postMs),
    row('upstream time excluded (company API + Scalekit)', api.upstreamMs),
    '',
    'Upstream requests inside the measured bridge requests (per login, and their server-side handling time):',
    '',
    '| upstream request | per login | p50 | p95 |',
    '|---|---:|---:|---:|',
    ...routeRows('OIDC', oidc.run, oidc.run.measured.length),
    ...routeRows('http', api.run, api.run.measured.length),
    ...(oidc.run.errorSamples.length || api.run.errorSamples.length
      ? ['', 'Errors seen: ' + [...oidc.run.errorSamples, ...api.run.errorSamples].map((e) => `\`${e}\``).join(', ')]
      : []),
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  process.chdir(ROOT)
  const date = new Date().toISOString()
  const host = machine()
  const { cleanups, cleanup } = cleanupOnExit()

  console.log(`bench:login (identity sources)  ${host.cores} cores, Node ${host.node}, ${date}`)
  try {
    const buildBefore = buildId()
    if (!buildBefore) throw new Error('no production build in .next (BUILD_ID missing): build first, or wait for a build in progress to finish')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'byoa-bench-sources-'))
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))

    const oidcBridgeUrl = `http://localhost:${OIDC_BRIDGE_PORT}`
    const httpBridgeUrl = `http://localhost:${HTTP_BRIDGE_PORT}`
    const standIn = await startTimed('scalekit', () =>
      startBenchStandIn({ port: STAND_IN_PORT, bridgeLoginUrl: `${oidcBridgeUrl}/login`, credentials: CREDENTIALS, resourceUrl: 'http://localhost:4399/mcp' }),
    )
    cleanups.push(() => standIn.close())
    const idp = await startTimed('idp', () =>
      startTestIdp({
        port: IDP_PORT,
        controlPort: IDP_CONTROL_PORT,
        clients: [
          {
            clientId: CREDENTIALS.idpClientId,
            clientSecret: CREDENTIALS.idpClientSecret,
            redirectUris: [`${oidcBridgeUrl}/api/auth/callback/${OIDC_SOURCE_ID}`],
          },
        ],
      }),
    )
    cleanups.push(() => idp.close())
    const companyApi = await startTimed('company-api', () =>
      startCompanyApi({ port: COMPANY_API_PORT, secretHeader: credentialApiSource.secretHeader, secret: CREDENTIALS.companyApiSecret }),
    )
    cleanups.push(() => companyApi.close())
    console.log(`stand-in ${standIn.url}, IdP ${idp.issuer}, company API ${companyApi.url} (in-process, timed)`)

    const oidcSource = { ...acmeSource, issuer: idp.issuer, clientId: CREDENTIALS.idpClientId, clientSecret: 'env:BENCH_IDP_CLIENT_SECRET' }
    const httpSource = { ...credentialApiSource, url: `${companyApi.url}/verify`, secret: 'env:BENCH_COMPANY_API_SECRET', timeoutMs: 5000 }
    const oidcServer = startBridgeServer(OIDC_BRIDGE_PORT, bridgeEnv(OIDC_BRIDGE_PORT, path.join(dir, 'oidc.db'), standIn.url, [oidcSource]))
    cleanups.push(() => oidcServer.stop())
    const httpServer = startBridgeServer(HTTP_BRIDGE_PORT, bridgeEnv(HTTP_BRIDGE_PORT, path.join(dir, 'http.db'), standIn.url, [httpSource]))
    cleanups.push(() => httpServer.stop())
    await Promise.all([waitForHealth(oidcServer, SERVER_START_TIMEOUT_MS), waitForHealth(httpServer, SERVER_START_TIMEOUT_MS)])
    const loadAtStart = loadAverage()

    console.log(`[1/2] oidc source: ${LOGINS} logins after ${WARMUP_LOGINS} warm-up, one at a time, next start on ${oidcBridgeUrl}`)
    const oidcRun = await runLogins(() => oidcLogin(oidcBridgeUrl, standIn.url, idp.issuer), oidcServer)
    console.log(`[2/2] http source: ${LOGINS} logins after ${WARMUP_LOGINS} warm-up, one at a time, next start on ${httpBridgeUrl}`)
    const httpRun = await runLogins(() => httpLogin(httpBridgeUrl, standIn.url), httpServer)

    await Promise.all([oidcServer.stop(), httpServer.stop()])
    if (buildId() !== buildBefore) throw new Error('.next was rebuilt during the run, so the servers changed underneath the measurement: rerun')
    const failedRuns = [oidcRun.failures + oidcRun.warmupFailures, httpRun.failures + httpRun.warmupFailures]
    if (failedRuns[0]) console.error(`oidc bridge output (tail):\n${oidcServer.outputTail()}`)
    if (failedRuns[1]) console.error(`http bridge output (tail):\n${httpServer.outputTail()}`)

    const results: Results = {
      load: { start: loadAtStart, end: loadAverage() },
      oidc: summarizeOidc(oidcRun),
      http: summarizeHttp(httpRun),
    }
    const { oidc, http: api } = results
    console.log('')
    console.log('Identity sources, one login at a time (ms)                      p50      p95      p99      max')
    const row = (label: string, s: Summary) => console.log(`  ${label.padEnd(62)}${[s.p50, s.p95, s.p99, s.max].map((v) => round(v, 2).toFixed(2).padStart(9)).join('')}`)
    row('OIDC completion overhead (callback + resume - IdP - Scalekit)', oidc.overheadMs)
    row('  callback + resume, client-observed', oidc.clientMs)
    row('  GET /api/auth/callback/acme', oidc.callbackMs)
    row('  GET /login/resume', oidc.resumeMs)
    row('  excluded: IdP + Scalekit handling', oidc.upstreamMs)
    row('  of which IdP', oidc.idpMs)
    row('  of which Scalekit', oidc.scalekitMs)
    row('OIDC sign-in start overhead (POST - IdP discovery)', oidc.startOverheadMs)
    row('  "Sign in with" POST, client-observed', oidc.startMs)
    row('  excluded: IdP handling', oidc.startIdpMs)
    row('OIDC whole login (every step, IdP pages included)', oidc.wholeMs)
    row('http completion overhead (POST - company API - Scalekit)', api.overheadMs)
    row('  sign-in POST, client-observed', api.postMs)
    row('  excluded: company API + Scalekit handling', api.upstreamMs)
    row('  of which company API', api.companyApiMs)
    row('  of which Scalekit', api.scalekitMs)
    console.log('')
    const routeSummary = (run: Run<unknown>) =>
      run.routes.map((r): [string, string] => [`  ${r.phase}: ${r.upstream} ${r.route}`, `${round(r.calls / Math.max(1, run.measured.length), 2)} per login, p50 ${ms(r.handlingMs.p50)}, p95 ${ms(r.handlingMs.p95)}`])
    console.log(
      table([
        ['1-minute load average, start / end', `${results.load.start} / ${results.load.end} (${host.cores} cores)`],
        ['OIDC logins measured / warm-up', `${oidcRun.measured.length} / ${oidcRun.warmup}${oidcRun.timeLimited ? ' (time bound hit)' : ''} in ${round(oidcRun.elapsedSeconds, 1)} s`],
        ['OIDC failures (warm-up)', `${oidcRun.failures} (${oidcRun.warmupFailures})`],
        ['OIDC bridge peak RSS', `${round(oidcRun.peakRssMb, 1)} MB`],
        ['upstream requests inside the measured OIDC requests', ''],
        ...routeSummary(oidcRun),
        ['http logins measured / warm-up', `${httpRun.measured.length} / ${httpRun.warmup}${httpRun.timeLimited ? ' (time bound hit)' : ''} in ${round(httpRun.elapsedSeconds, 1)} s`],
        ['http failures (warm-up)', `${httpRun.failures} (${httpRun.warmupFailures})`],
        ['http bridge peak RSS', `${round(httpRun.peakRssMb, 1)} MB`],
        ['upstream requests inside the measured http requests', ''],
        ...routeSummary(httpRun),
      ]),
    )
    const errors = [...oidcRun.errorSamples.map((e) => `oidc: ${e}`), ...httpRun.errorSamples.map((e) => `http: ${e}`)]
    if (errors.length) console.log(`\nerrors: ${errors.join(' | ')}`)

    const failed = failedRuns.some((count) => count > 0) || oidcRun.measured.length === 0 || httpRun.measured.length === 0
    if (WRITE_DOC && !failed) {
      replaceMarkedBlock(path.join(ROOT, 'docs', 'benchmarks.md'), 'bench-sources', markdownReport(date, host, results), '# Benchmarks\n')
      console.log('\nwrote the bench-sources block of docs/benchmarks.md')
    }

    const routesJson = (run: Run<unknown>) =>
      run.routes.map((r) => ({ phase: r.phase, upstream: r.upstream, route: r.route, perLogin: round(r.calls / Math.max(1, run.measured.length), 3), handlingMs: roundSummary(r.handlingMs) }))
    const runJson = (run: Run<unknown>) => ({
      warmup: run.warmup,
      measured: run.measured.length,
      failures: run.failures,
      warmupFailures: run.warmupFailures,
      timeLimited: run.timeLimited,
      elapsedSeconds: round(run.elapsedSeconds, 2),
      peakRssMb: round(run.peakRssMb, 1),
      upstreamRequests: routesJson(run),
    })
    console.log(
      JSON.stringify({
        bench: 'login-sources',
        date,
        command: COMMAND,
        machine: host,
        loadAverage: results.load,
        ok: !failed,
        oidc: {
          ...runJson(oidcRun),
          completionOverheadMs: roundSummary(oidc.overheadMs),
          completionClientMs: roundSummary(oidc.clientMs),
          callbackMs: roundSummary(oidc.callbackMs),
          resumeMs: roundSummary(oidc.resumeMs),
          completionUpstreamMs: roundSummary(oidc.upstreamMs),
          signInStartOverheadMs: roundSummary(oidc.startOverheadMs),
          signInStartClientMs: roundSummary(oidc.startMs),
          signInStartIdpMs: roundSummary(oidc.startIdpMs),
          wholeLoginMs: roundSummary(oidc.wholeMs),
        },
        http: {
          ...runJson(httpRun),
          completionOverheadMs: roundSummary(api.overheadMs),
          postClientMs: roundSummary(api.postMs),
          upstreamMs: roundSummary(api.upstreamMs),
          companyApiMs: roundSummary(api.companyApiMs),
          scalekitMs: roundSummary(api.scalekitMs),
        },
        errors,
      }),
    )
    return failed ? 1 : 0
  } finally {
    await cleanup()
  }
}

runBenchmark('bench:login (identity sources)', main)
