import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { decodeHtml, formsOf, hiddenInputs } from '../../e2e/support/forms'
import { acmeSource, credentialApiSource, loginUrlOn } from '../../e2e/support/sources'
import { expectedPartnerCallback } from '../../e2e/stand-in/partner-callback'
import { startCompanyApi, COMPANY_API_USERS } from '../../e2e/upstreams/company-api'
import { startTestIdp, IDP_USERS } from '../../e2e/upstreams/idp'
import { browserLogin, fail, LoginFailure, multipart, Origin, samePost, shown } from '../browser'
import * as h from '../harness'
import { startTimed, upstreamCalls, upstreamTimeWithin, type PhaseCall, type Upstream } from '../upstream-timing'

// The identity sources' login (`npm run bench:login`, second half, in its own process: lib/ runs only in the bridges): the
// bridge's own time to complete a login through an OIDC IdP and a credential API (`http` source), one at a time: the client-observed
// latency of its requests minus the upstreams' handling time of the requests that arrived meanwhile. Fails when any login fails.

const OIDC_BRIDGE_PORT = 3501
const HTTP_BRIDGE_PORT = 3502
const STAND_IN_PORT = 4340

const WARMUP_LOGINS = h.setting('BENCH_SOURCE_WARMUP_LOGINS', 20, 1, 500)
const LOGINS = h.setting('BENCH_SOURCE_LOGINS', 200, 1, 5000)
const TIME_LIMIT_MS = h.setting('BENCH_SOURCE_SECONDS', 180, 1, 1800) * 1000

// The bridges read the IdP client secret and the company API secret through "env:NAME", as a deployment would.
const CREDENTIALS = { ...h.generateCredentials(), idpClientId: `bench-bridge-${randomBytes(4).toString('hex')}` }
const [IDP_CLIENT_SECRET, COMPANY_API_SECRET] = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')]
const IDP_USER = IDP_USERS.ada
const API_USER = COMPANY_API_USERS.casey

function expectRedirect(response: Response, from: string, what: string): URL {
  const location = response.headers.get('location')
  if (response.status < 300 || response.status >= 400 || !location) fail(`${what} answered ${response.status}, not a redirect`)
  return new URL(location, from)
}

/** The hidden inputs of the server-action form whose button reads "Sign in with <name>" for `sourceId`. */
function idpFormHiddenInputs(html: string, sourceId: string, name: string): Array<[string, string]> | null {
  const form = formsOf(html).find(({ inputs, body }) => {
    if (!inputs.some((input) => input.type === 'hidden' && input.name === 'source' && input.value === sourceId)) return false
    // React separates adjacent text nodes with <!-- --> in server-rendered HTML.
    const text = decodeHtml(body.replace(/<!--[\s\S]*?-->/g, '').replace(/<[^>]+>/g, ' '))
    return text.replace(/\s+/g, ' ').includes(`Sign in with ${name}`)
  })
  return form ? hiddenInputs(form.inputs) : null
}

/** The stand-in's record of the login request: Scalekit received this person, once. */
async function expectReceived(standInUrl: string, request: { loginRequestId: string }, user: { email: string; sub: string }) {
  type Received = { user?: { email?: string; sub?: string } | null; userDetailsCalls?: number }
  const record = await h.loginRequestRecord<Received>(standInUrl, request.loginRequestId)
  if (record.user?.email !== user.email || record.user?.sub !== user.sub) fail('Scalekit did not receive the expected user')
  if (record.userDetailsCalls !== 1) fail(`Scalekit received ${record.userDetailsCalls} user-details calls, not 1`)
}

async function oidcLogin(bridgeUrl: string, standInUrl: string, issuer: string) {
  upstreamCalls.length = 0
  const began = performance.now()
  const bridge = new Origin(bridgeUrl)
  const idp = new Origin(new URL(issuer).origin)
  const request = await h.createLoginRequest(standInUrl)
  const loginUrl = loginUrlOn(bridgeUrl, request)
  const login = await bridge.send(loginUrl)
  if (login.response.status !== 200) fail(`GET /login answered ${login.response.status}`)
  if (!bridge.jar.has('byoa_login')) fail('GET /login set no byoa_login cookie')
  const hidden = idpFormHiddenInputs(login.body, acmeSource.id, acmeSource.name)
  if (!hidden) fail(`no "Sign in with ${acmeSource.name}" form in the page`)
  if (!hidden.some(([name]) => name.startsWith('$ACTION_'))) fail('the "Sign in with" form has no server-action fields')
  // As a person would: the bridge counts a completing click only a second after its page (security case 30).
  const servedAt = Number(hidden.find(([name]) => name === 'served')?.[1].split('.')[0])
  await h.sleep(Math.max(0, servedAt + 1000 - Date.now()))

  const start = await bridge.send(loginUrl, { method: 'POST', body: multipart(hidden), headers: samePost(bridgeUrl) })
  if (start.response.status !== 303) fail(`the "Sign in with" POST answered ${start.response.status}, not 303`)
  let next = expectRedirect(start.response, loginUrl, 'the "Sign in with" POST')
  if (shown(next) !== `${idp.origin}/auth`) fail(`the "Sign in with" POST went to ${shown(next)}, not the IdP's /auth`)

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
    const headers = { 'content-type': 'application/x-www-form-urlencoded' }
    return walk(new URL(decodeHtml(action), next), { method: 'POST', headers, body: new URLSearchParams(fields) })
  }
  if ((await walk(next)) !== null || !page.includes('Acme IdP sign-in')) fail('the IdP did not show its sign-in page')
  if ((await submit({ username: IDP_USER.username, password: IDP_USER.password })) !== null || !page.includes('Allow access?'))
    fail('the IdP did not show its consent page after the sign-in')
  const back = await submit({ decision: 'allow' })
  if (!back || shown(back) !== `${bridgeUrl}/api/auth/callback/${acmeSource.id}`)
    fail(`the IdP sent the browser to ${back ? shown(back) : 'a page'}, not the bridge's callback`)

  // The two completing requests: the IdP's redirect arrives as a cross-site top-level navigation.
  const callback = await bridge.send(back.toString(), { headers: { 'sec-fetch-site': 'same-site' } })
  const resumeUrl = expectRedirect(callback.response, back.toString(), 'the callback')
  if (shown(resumeUrl) !== `${bridgeUrl}/login/resume` || resumeUrl.searchParams.get('login_request_id') !== request.loginRequestId)
    fail(`the callback sent the browser to ${shown(resumeUrl)}, not /login/resume for this login request`)
  const resume = await bridge.send(resumeUrl.toString(), { headers: { 'sec-fetch-site': 'same-origin' } })
  if (resume.response.status !== 303) fail(`/login/resume answered ${resume.response.status}, not 303`)
  const location = resume.response.headers.get('location')
  if (location !== expectedPartnerCallback(standInUrl, CREDENTIALS.connectionId, request.state))
    fail(`/login/resume redirected to ${shown(location ?? 'about:blank')}, not exactly partner:callback`)
  const wholeMs = performance.now() - began
  await expectReceived(standInUrl, request, IDP_USER.claims)

  const windows = [callback.window, resume.window]
  const completion = upstreamTimeWithin(windows, ['idp', 'scalekit'], 'completion')
  const idpShare = upstreamTimeWithin(windows, ['idp'])
  const scalekitShare = upstreamTimeWithin(windows, ['scalekit'])
  if (!idpShare.calls.some((call) => call.route === 'POST /token')) fail('no IdP token request was seen during the callback')
  if (!scalekitShare.calls.some((call) => call.route === 'gRPC UpdateLoginUserDetails'))
    fail('no UpdateLoginUserDetails was seen during the resume')
  const startShare = upstreamTimeWithin([start.window], ['idp'], 'sign-in start')
  const span = ({ window }: { window: { from: number; to: number } }) => window.to - window.from
  return {
    startMs: span(start),
    startIdpMs: startShare.busyMs,
    callbackMs: span(callback),
    resumeMs: span(resume),
    completionUpstreamMs: completion.busyMs,
    idpMs: idpShare.busyMs,
    scalekitMs: scalekitShare.busyMs,
    wholeMs,
    calls: [...startShare.calls, ...completion.calls],
  }
}

/** The email and password form of the `http` source (the plain login of bench/browser.ts, its POST timed). */
async function httpLogin(bridgeUrl: string, standInUrl: string) {
  upstreamCalls.length = 0
  const attempt = await browserLogin(bridgeUrl, standInUrl, CREDENTIALS.connectionId, API_USER)
  if (!attempt.ok || !attempt.request) fail(attempt.error ?? 'the login failed')
  if (!attempt.form.some(([name, value]) => name === 'source' && value === credentialApiSource.id))
    fail(`the form is not the ${credentialApiSource.id} source's`)
  await expectReceived(standInUrl, attempt.request, { email: API_USER.profile.work_email, sub: API_USER.profile.employee_id })
  const window = attempt.postWindow
  const all = upstreamTimeWithin([window], ['company-api', 'scalekit'], 'sign-in POST')
  const api = upstreamTimeWithin([window], ['company-api'])
  if (!api.calls.some((call) => call.route === 'POST /verify')) fail('no company API /verify was seen during the POST')
  return {
    postMs: window.to - window.from,
    upstreamMs: all.busyMs,
    companyApiMs: api.busyMs,
    scalekitMs: upstreamTimeWithin([window], ['scalekit']).busyMs,
    calls: all.calls,
  }
}

/** Logins one at a time, WARMUP_LOGINS not counted, then LOGINS or TIME_LIMIT_MS. */
async function runLogins<T extends { calls: PhaseCall[] }>(bench: h.Bench, step: string, server: h.Bridge, login: () => Promise<T>) {
  bench.log(`${step} source: ${LOGINS} logins after ${WARMUP_LOGINS} warm-up, one at a time, next start on ${server.url}`)
  const memory = h.watchMemory(server.pid)
  const measured: T[] = []
  const errorSamples: string[] = []
  let failures = 0
  let warmupFailures = 0
  const started = performance.now()
  for (let i = 0; i < WARMUP_LOGINS + LOGINS && performance.now() < started + TIME_LIMIT_MS; i += 1) {
    const isWarmup = i < WARMUP_LOGINS
    try {
      const result = await login()
      if (!isWarmup) measured.push(result)
    } catch (error) {
      if (isWarmup) warmupFailures += 1
      else failures += 1
      const message = error instanceof LoginFailure ? error.message : h.errorText(error)
      if (errorSamples.length < 5 && !errorSamples.includes(message)) errorSamples.push(message)
    }
  }
  const elapsedSeconds = (performance.now() - started) / 1000
  const byRoute = new Map<string, { phase: string; upstream: Upstream; route: string; samples: number[] }>()
  for (const { phase, upstream, route, arrivedAt, finishedAt } of measured.flatMap((result) => result.calls)) {
    const key = `${phase} ${upstream} ${route}`
    if (!byRoute.has(key)) byRoute.set(key, { phase, upstream, route, samples: [] })
    byRoute.get(key)!.samples.push(finishedAt - arrivedAt)
  }
  const summaries = (pick: (login: T) => number) => h.summarize(measured.map(pick))
  return {
    summaries,
    json: {
      warmup: WARMUP_LOGINS,
      measured: measured.length,
      failures,
      warmupFailures,
      errorSamples,
      timeLimited: measured.length + failures < LOGINS,
      elapsedSeconds,
      peakRssMb: memory.stop().peakTreeRssMb,
      /** Upstream requests inside the measured bridge requests: how many per login, and their server-side handling time. */
      upstreamRequests: [...byRoute.values()].map(({ samples, ...route }) => ({
        ...route,
        perLogin: samples.length / Math.max(1, measured.length),
        handlingMs: h.summarize(samples),
      })),
    },
  }
}

export default async function sources(bench: h.Bench) {
  const build = h.requireBuild()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'byoa-bench-sources-'))
  bench.defer(() => fs.rmSync(dir, { recursive: true, force: true }))
  const oidcBridgeUrl = `http://localhost:${OIDC_BRIDGE_PORT}`
  const httpBridgeUrl = `http://localhost:${HTTP_BRIDGE_PORT}`
  const scalekit = await startTimed('scalekit', () => h.startStandIn(bench, STAND_IN_PORT, oidcBridgeUrl, CREDENTIALS))
  const redirectUris = [`${oidcBridgeUrl}/api/auth/callback/${acmeSource.id}`]
  const idpClient = { clientId: CREDENTIALS.idpClientId, clientSecret: IDP_CLIENT_SECRET, redirectUris }
  const idp = await startTimed('idp', () => startTestIdp({ port: 4341, controlPort: 4342, clients: [idpClient] }))
  bench.defer(() => idp.close())
  const apiOptions = { port: 4343, secretHeader: credentialApiSource.secretHeader, secret: COMPANY_API_SECRET }
  const companyApi = await startTimed('company-api', () => startCompanyApi(apiOptions))
  bench.defer(() => companyApi.close())
  bench.log(`stand-in ${scalekit.url}, IdP ${idp.issuer}, company API ${companyApi.url} (in-process, timed)`)

  // Each bridge its own session secrets, and one source.
  const secrets = { BENCH_IDP_CLIENT_SECRET: IDP_CLIENT_SECRET, BENCH_COMPANY_API_SECRET: COMPANY_API_SECRET }
  const env = (port: number, file: string, source: object, { sessionSecret, authSecret } = h.generateCredentials()) => {
    const extra = { IDENTITY_SOURCES: JSON.stringify([source]), ...secrets }
    return h.bridgeEnv(port, `file:${path.join(dir, file)}`, scalekit.url, { ...CREDENTIALS, sessionSecret, authSecret }, extra)
  }
  const oidcSource = { ...acmeSource, issuer: idp.issuer, clientId: CREDENTIALS.idpClientId, clientSecret: 'env:BENCH_IDP_CLIENT_SECRET' }
  const httpSource = { ...credentialApiSource, url: `${companyApi.url}/verify`, secret: 'env:BENCH_COMPANY_API_SECRET', timeoutMs: 5000 }
  const [oidcServer, httpServer] = await Promise.all([
    h.startBridge(bench, OIDC_BRIDGE_PORT, env(OIDC_BRIDGE_PORT, 'oidc.db', oidcSource)),
    h.startBridge(bench, HTTP_BRIDGE_PORT, env(HTTP_BRIDGE_PORT, 'http.db', httpSource)),
  ])
  const loadAtStart = h.loadAverage()

  const oidc = await runLogins(bench, '[1/2] oidc', oidcServer, () => oidcLogin(oidcBridgeUrl, scalekit.url, idp.issuer))
  const api = await runLogins(bench, '[2/2] http', httpServer, () => httpLogin(httpBridgeUrl, scalekit.url))
  await Promise.all([oidcServer.stop(), httpServer.stop()])
  build.unchanged()
  const failed = [oidc, api].map((run) => run.json.failures + run.json.warmupFailures > 0 || run.json.measured === 0)
  if (failed[0]) bench.log(`oidc bridge output (tail):\n${oidcServer.outputTail()}`)
  if (failed[1]) bench.log(`http bridge output (tail):\n${httpServer.outputTail()}`)

  const o = oidc.summaries
  return {
    ok: !failed.some(Boolean),
    /** 1-minute load average when the runs started and ended: the machine may be shared. */
    loadAverage: { start: loadAtStart, end: h.loadAverage() },
    oidc: {
      ...oidc.json,
      completionOverheadMs: o((l) => l.callbackMs + l.resumeMs - l.completionUpstreamMs),
      completionClientMs: o((l) => l.callbackMs + l.resumeMs),
      callbackMs: o((l) => l.callbackMs),
      resumeMs: o((l) => l.resumeMs),
      completionUpstreamMs: o((l) => l.completionUpstreamMs),
      idpMs: o((l) => l.idpMs),
      scalekitMs: o((l) => l.scalekitMs),
      signInStartOverheadMs: o((l) => l.startMs - l.startIdpMs),
      signInStartClientMs: o((l) => l.startMs),
      signInStartIdpMs: o((l) => l.startIdpMs),
      wholeLoginMs: o((l) => l.wholeMs),
    },
    http: {
      ...api.json,
      completionOverheadMs: api.summaries((l) => l.postMs - l.upstreamMs),
      postClientMs: api.summaries((l) => l.postMs),
      upstreamMs: api.summaries((l) => l.upstreamMs),
      companyApiMs: api.summaries((l) => l.companyApiMs),
      scalekitMs: api.summaries((l) => l.scalekitMs),
    },
  }
}
