import { randomBytes } from 'node:crypto'
import { test, expect } from './fixtures'
import { OTLP_URL } from './support/config'
import { createLoginRequest } from './support/stand-in-api'
import { readSecrets, resolveSecretsFile } from './support/issued-secrets'
import { fingerprint } from '../lib/server/log'
import type { ReceivedSpan } from './otlp/receiver'
import { NEXT_INTERNAL_SPAN_TYPES } from '../lib/server/trace-sampler'

// OpenTelemetry traces (docs/operations.md, "Traces"): the main bridge exports to the suite's
// OTLP receiver (bridgeEnv). A login whose browser sends a `traceparent` is one trace: Next.js's
// request spans continue it, and the bridge's spans hang under them with the login's cid.

const SERVER_KIND = 2

async function spansOf(traceId: string): Promise<ReceivedSpan[]> {
  const response = await fetch(`${OTLP_URL}/_otlp/spans?traceId=${traceId}`)
  return (await response.json()) as ReceivedSpan[]
}

function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name)
  expect(found.map((span) => span.name)).toEqual([name])
  return found[0]!
}

/** The spans from `span` up to the first one the bridge made for its request (whose parent is remote). */
function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const byId = new Map(spans.map((each) => [each.spanId, each]))
  const chain = [span]
  for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) chain.push(parent)
  return chain
}

/** Next.js's span for the request that ran `span`: its route's SERVER span, and the outermost one. */
function requestOf(spans: ReceivedSpan[], span: ReceivedSpan): { route: ReceivedSpan | undefined; outermost: ReceivedSpan } {
  const chain = ancestry(spans, span)
  return { route: chain.find((each) => each.kind === SERVER_KIND), outermost: chain.at(-1)! }
}

const BRIDGE_SPANS = [
  'login.receive',
  'ledger.received',
  'login.sign_in',
  'login.complete',
  'login.policy',
  'ledger.claimed',
  'scalekit.update_login_user_details',
  'scalekit.attempt',
  'ledger.completed',
]

test.describe('traces', () => {
  test('case 48: a login continues the incoming traceparent, with its cid on every span and no secret in any', async ({
    page,
    loginPage,
    user,
  }) => {
    const traceId = randomBytes(16).toString('hex')
    const remoteParent = randomBytes(8).toString('hex')
    await page.setExtraHTTPHeaders({ traceparent: `00-${traceId}-${remoteParent}-01` })
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl)
    await loginPage.signIn(user.email, user.password)
    await expect(page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()

    let spans: ReceivedSpan[] = []
    await expect
      .poll(async () => {
        spans = await spansOf(traceId)
        return BRIDGE_SPANS.filter((name) => !spans.some((span) => span.name === name))
      })
      .toEqual([])

    // Next.js's request spans continue the browser's trace: the page's GET and the sign-in's POST.
    const received = only(spans, 'login.receive')
    const landing = requestOf(spans, received)
    expect(landing.outermost).toMatchObject({ name: 'GET', kind: SERVER_KIND, parentSpanId: remoteParent, service: 'byoa-bridge' })
    expect(landing.route).toMatchObject({ name: 'GET /login', attributes: { 'http.route': '/login', 'http.status_code': 200 } })
    // Its address held the login request id and the state: exported with the values replaced.
    expect(landing.route?.attributes['http.target']).toBe('/login?login_request_id=[redacted]&state=[redacted]')
    const signIn = only(spans, 'login.sign_in')
    const form = requestOf(spans, signIn)
    expect(form.outermost).toMatchObject({ name: 'POST', kind: SERVER_KIND, parentSpanId: remoteParent })
    expect(form.route).toMatchObject({ name: 'POST /login', kind: SERVER_KIND })
    expect(signIn.parentSpanId).toBe(form.route?.spanId)

    const cid = fingerprint(request.loginRequestId)
    const complete = only(spans, 'login.complete')
    const scalekit = only(spans, 'scalekit.update_login_user_details')
    const parentOf = (name: string) => spans.find((span) => span.spanId === only(spans, name).parentSpanId)?.name
    expect(parentOf('ledger.received')).toBe('login.receive')
    expect(complete.parentSpanId).toBe(signIn.parentSpanId)
    for (const name of ['login.policy', 'ledger.claimed', 'scalekit.update_login_user_details', 'ledger.completed']) {
      expect(parentOf(name)).toBe('login.complete')
    }
    expect(parentOf('scalekit.attempt')).toBe('scalekit.update_login_user_details')

    for (const name of BRIDGE_SPANS) {
      expect(only(spans, name).attributes, name).toMatchObject({ 'bridge.cid': cid, 'bridge.server': 'default' })
    }
    expect(received.attributes['bridge.outcome']).toBe('received')
    expect(signIn.attributes).toMatchObject({ 'bridge.source': 'local', 'bridge.sign_in.result': 'signed_in' })
    expect(only(spans, 'login.policy').attributes['bridge.policy.decision']).toBe('allowed')
    expect(scalekit.attributes).toMatchObject({ 'scalekit.operation': 'update_login_user_details', 'scalekit.outcome': 'ok' })
    expect(only(spans, 'scalekit.attempt').attributes).toMatchObject({ 'scalekit.attempt': 1, 'scalekit.outcome': 'ok' })
    expect(only(spans, 'ledger.completed').attributes['bridge.ledger.step']).toBe('completed')
    expect(complete.attributes['bridge.outcome']).toBe('submitted')

    // Next.js's module-loading spans are not recorded (lib/server/trace-sampler.ts), and leaving
    // them out cut no span off its parent: every parent is in the trace, or is the browser's.
    const types = spans.map((span) => span.attributes['next.span_type']).filter((type) => type !== undefined)
    expect(types.filter((type) => NEXT_INTERNAL_SPAN_TYPES.has(String(type)))).toEqual([])
    expect(types).toEqual(expect.arrayContaining(['BaseServer.handleRequest', 'AppRender.getBodyResult', 'Middleware.execute']))
    const ids = new Set([...spans.map((span) => span.spanId), remoteParent])
    expect(spans.filter((span) => !ids.has(span.parentSpanId ?? '')).map((span) => span.name)).toEqual([])

    // security.md case 48: no secret, state, email, password or raw login request id in any span.
    const exported = spans.map((span) => JSON.stringify(span)).join('\n')
    const forbidden = [request.loginRequestId, request.state, encodeURIComponent(request.state), user.email, user.password]
    for (const value of forbidden) expect(exported).not.toContain(value)
    for (const secret of readSecrets(resolveSecretsFile())) expect(exported.includes(secret.value), secret.kind).toBe(false)
    expect(exported).not.toMatch(/lri_[A-Za-z0-9]{24}/)
  })
})
