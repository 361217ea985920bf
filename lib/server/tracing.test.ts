import { describe, expect, it } from 'vitest'
import { trace } from '@opentelemetry/api'
import { tracing } from '@opentelemetry/sdk-node'
import { Code, ConnectError } from '@connectrpc/connect'
import { defaultServiceName, startTracing, tracingWanted } from './tracing'
import { inMemoryTracing } from './tracing-testing'
import { redactSpan, redactText } from './trace-redaction'
import { loginAttributes, markTracingOn, scalekitAttempt, withScalekitCall, withSpan, withSpanSync } from './spans'
import { fingerprint } from './log'

// When traces start (only the OTEL_* variables decide), and what leaves in a span: the bridge's
// spans with the login's cid, and every text redacted (security.md case 48).

const LRI = 'lri_AbCdEfGhIjKlMnOpQrStUvWx'
const STATE = 'st-0123456789abcdefXYZ'
const EMAIL = 'ada.lovelace+work@example.com'
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl'

describe('tracingWanted', () => {
  const endpoint = 'http://collector:4318'
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces` }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp,console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_TRACES_EXPORTER: ' None ', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, false],
    [{ OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'otlp' }, false],
    [{ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, true],
    [{ OTEL_SERVICE_NAME: 'bridge', OTEL_TRACES_SAMPLER: 'always_on' }, false],
  ])('%j -> %s', (env, wanted) => {
    expect(tracingWanted(env)).toBe(wanted)
  })

  it('starts nothing when the variables do not ask', async () => {
    expect(await startTracing({ OTEL_SERVICE_NAME: 'bridge' })).toBe(false)
    expect(trace.getTracerProvider().constructor.name).toBe('ProxyTracerProvider')
  })
})

describe('defaultServiceName', () => {
  it('is byoa-bridge unless the variables name the service', () => {
    expect(defaultServiceName({})).toBe('byoa-bridge')
    expect(defaultServiceName({ OTEL_SERVICE_NAME: 'login-eu' })).toBeUndefined()
    expect(defaultServiceName({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod, service.name=login-eu' })).toBeUndefined()
    expect(defaultServiceName({ OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=idp' })).toBe('byoa-bridge')
  })
})

describe('case 48: redactText', () => {
  it('replaces query values, login request ids, emails and JWTs', () => {
    expect(redactText(`/login?login_request_id=${LRI}&state=${encodeURIComponent(STATE)}`)).toBe(
      '/login?login_request_id=[redacted]&state=[redacted]',
    )
    expect(redactText(`/login/acme?state=${STATE}#top`)).toBe('/login/acme?state=[redacted]#top')
    expect(redactText('/invite/zs8f1ESaJ7XcSZ32PnfjmNrDYwVerqeT78WMb122HPU')).toBe('/invite/[redacted]')
    expect(redactText('/invite/zs8f1ESaJ7Xc/?x=1')).toBe('/invite/[redacted]/?x=[redacted]')
    expect(redactText('GET /invite/[token]')).toBe('GET /invite/[token]')
    expect(redactText('/invite/problem/used')).toBe('/invite/problem/used')
  })

  it('replaces the token of every mailed link, keeping the pages beside them readable', () => {
    const token = 'F7NeqT0Xr2kQ9mYpZ3vB8sLc1uWdA6oHjE4gKiR5tyM'
    for (const page of ['/login/reset', '/verify-email', '/report-sign-in']) {
      expect(redactText(`GET ${page}/${token}`)).toBe(`GET ${page}/[redacted]`)
      expect(redactText(`${page}/${token}?lang=de`)).toBe(`${page}/[redacted]?lang=[redacted]`)
      expect(redactText(`http://localhost:3100${page}/${token}/`)).toBe(`http://localhost:3100${page}/[redacted]/`)
      expect(redactText(`POST ${page}/[token]`)).toBe(`POST ${page}/[token]`)
      expect(redactText(`${page}/problem/expired`)).toBe(`${page}/problem/expired`)
    }
    expect(redactText('/login/reset/done')).toBe('/login/reset/done')
    expect(redactText(`/login/reset/done${token}`)).toBe('/login/reset/[redacted]')
    expect(redactText(`row ${LRI} of ${EMAIL} signed ${JWT}`)).toBe('row lri_[redacted] of [email] signed [jwt]')
    expect(redactText('GET /login')).toBe('GET /login')
    expect(redactText('email domain is not one of: example.com')).toBe('email domain is not one of: example.com')
  })
})

describe('spans of a login', () => {
  const exporter = inMemoryTracing()

  const exported = () => exporter.getFinishedSpans().map((span) => ({ name: span.name, attributes: span.attributes }))

  it('carries the cid and server into nested spans, with outcomes', async () => {
    const cid = fingerprint(LRI)
    const result = await withSpan(
      'login.complete',
      loginAttributes(LRI, 'acme'),
      async () => withSpanSync('login.policy', {}, () => ({ allowed: false, rule: 'not in any of the groups: staff' })),
      (decision) => ({ 'bridge.outcome': decision.allowed ? 'submitted' : 'access_denied' }),
    )
    expect(result).toEqual({ allowed: false, rule: 'not in any of the groups: staff' })
    const [policy, complete] = exporter.getFinishedSpans()
    expect(exported()).toEqual([
      { name: 'login.policy', attributes: { 'bridge.cid': cid, 'bridge.server': 'acme' } },
      { name: 'login.complete', attributes: { 'bridge.cid': cid, 'bridge.server': 'acme', 'bridge.outcome': 'access_denied' } },
    ])
    expect(policy?.parentSpanContext?.spanId).toBe(complete?.spanContext().spanId)
  })

  it('numbers the Scalekit attempts with their outcomes', async () => {
    let calls = 0
    const attempt = () =>
      scalekitAttempt(async () => {
        calls += 1
        if (calls === 1) throw new ConnectError('try again', Code.Unavailable)
        return 'accepted'
      })
    const answer = await withScalekitCall('update_login_user_details', loginAttributes(LRI, 'acme'), () => attempt().catch(() => attempt()))
    expect(answer).toBe('accepted')
    const spans = exporter.getFinishedSpans()
    expect(spans.map((span) => [span.name, span.attributes['scalekit.attempt'], span.attributes['scalekit.outcome']])).toEqual([
      ['scalekit.attempt', 1, 'Unavailable'],
      ['scalekit.attempt', 2, 'ok'],
      ['scalekit.update_login_user_details', undefined, undefined],
    ])
    expect(spans[0]?.status.code).toBe(2)
    expect(spans[2]?.attributes['scalekit.operation']).toBe('update_login_user_details')
  })

  it('redacts what other code put in a span: an address, an error, a header', async () => {
    const target = `/login?login_request_id=${LRI}&state=${STATE}`
    const span = trace.getTracer('next.js').startSpan('GET', { attributes: { 'http.target': target, 'http.request.header.cookie': 'a=b' } })
    span.end()
    await expect(
      withSpan('login.receive', loginAttributes(LRI), async () => {
        throw new Error(`no row ${LRI} for ${EMAIL}, redirect to ${target}`)
      }),
    ).rejects.toThrow(LRI)
    const [request, receive] = exporter.getFinishedSpans()
    expect(request?.attributes).toEqual({ 'http.target': '/login?login_request_id=[redacted]&state=[redacted]' })
    const message = 'no row lri_[redacted] for [email], redirect to /login?login_request_id=[redacted]&state=[redacted]'
    expect(receive?.status).toEqual({ code: 2, message })
    expect(receive?.events.map((event) => event.attributes)).toEqual([{ 'exception.type': 'Error', 'exception.message': message }])
    const everything = JSON.stringify(exporter.getFinishedSpans().map((each) => [each.name, each.attributes, each.events, each.status]))
    for (const secret of [LRI, STATE, EMAIL]) expect(everything).not.toContain(secret)
  })

  it('leaves the span itself alone: only the exported view is redacted', () => {
    const span = trace.getTracer('test').startSpan(`user ${EMAIL}`, { attributes: { note: JWT } }) as unknown as tracing.ReadableSpan
    ;(span as unknown as { end(): void }).end()
    const view = redactSpan(span)
    expect([view.name, view.attributes]).toEqual(['user [email]', { note: '[jwt]' }])
    expect([span.name, span.attributes]).toEqual([`user ${EMAIL}`, { note: JWT }])
    expect(view.spanContext()).toEqual(span.spanContext())
  })

  it('exports a span with nothing to replace as it is, and copies only what changes', () => {
    const clean = trace.getTracer('test').startSpan('GET /login', { attributes: { 'http.method': 'GET', tags: ['a', 'b'] } })
    clean.addEvent('started', { step: 'received' })
    clean.end()
    const span = clean as unknown as tracing.ReadableSpan
    expect(redactSpan(span)).toBe(span)
    const dirty = trace.getTracer('test').startSpan('GET /login', { attributes: { 'http.method': 'GET', tags: ['a', EMAIL] } })
    dirty.end()
    const view = redactSpan(dirty as unknown as tracing.ReadableSpan)
    expect(view).not.toBe(dirty)
    expect([view.name, view.attributes, Object.keys(view)]).toEqual([
      'GET /login',
      { 'http.method': 'GET', tags: ['a', '[email]'] },
      ['attributes'],
    ])
  })

  it('makes no span while tracing is off', async () => {
    markTracingOn(false)
    expect(await withSpan('login.receive', loginAttributes(LRI), async () => 'done')).toBe('done')
    expect(await scalekitAttempt(async () => 'sent')).toBe('sent')
    markTracingOn()
    expect(exporter.getFinishedSpans()).toEqual([])
  })
})
