import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { context, trace, type Span } from '@opentelemetry/api'
import { tracing } from '@opentelemetry/sdk-node'
import { openSqliteForTest, type TestDatabase } from '../db/testing'
import { recordLoginReceived } from '../ledger/record'
import { setAuditReceivers } from '../ledger/outbox/enqueue'
import { newWebhookSecret, receivedLogin } from '../ledger/outbox/testing'
import { OutboxWorker } from '../ledger/outbox/worker'
import type { PostWebhook } from '../ledger/outbox/post'
import { BridgeSampler, NEXT_INTERNAL_SPAN_TYPES, samplerFromEnv } from './trace-sampler'
import { redactText } from './trace-redaction'
import { inMemoryTracing } from './tracing-testing'
import { untraced, withSpan } from './spans'

// Which spans leave the process (docs/operations.md, "Traces"): Next.js's request spans and the
// bridge's, not Next.js's module loading (unless NEXT_OTEL_VERBOSE=1), and none from a worker's poll.

const exporter = inMemoryTracing(samplerFromEnv())
const next = trace.getTracer('next.js')

/** A span the way Next.js's tracer starts one: its type in `next.span_type`, active while `fn` runs (and its promise settles). */
function nextSpan<T>(type: string, name: string, fn: (span: Span) => T): T {
  return next.startActiveSpan(name, { attributes: { 'next.span_category': 'nextjs', 'next.span_type': type } }, (span) => {
    const result = fn(span)
    if (result instanceof Promise) return result.finally(() => span.end()) as T
    span.end()
    return result
  })
}

const names = () => exporter.getFinishedSpans().map((span) => span.name)

describe('BridgeSampler', () => {
  it("records Next.js's request, render and route spans and the bridge's, not its module loading", async () => {
    await nextSpan('BaseServer.handleRequest', 'GET /login', () =>
      nextSpan('AppRender.getBodyResult', 'render route (app) /login', async () => {
        nextSpan('NextNodeServer.findPageComponents', 'resolve page components', () =>
          nextSpan('LoadComponents.loadRouteModule', 'load route module', () => undefined),
        )
        nextSpan('NextNodeServer.startResponse', 'start response', () => undefined)
        await withSpan('login.receive', {}, async () => 'received')
      }),
    )
    expect(names()).toEqual(['login.receive', 'render route (app) /login', 'GET /login'])
    const [receive, render, request] = exporter.getFinishedSpans()
    expect(receive?.parentSpanContext?.spanId).toBe(render?.spanContext().spanId)
    expect(render?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId)
  })

  it('leaves out every listed type, and what runs under one', () => {
    for (const type of NEXT_INTERNAL_SPAN_TYPES) {
      nextSpan(type, type, () => trace.getTracer('byoa-bridge').startSpan('under it').end())
    }
    expect(names()).toEqual([])
  })

  it('asks the configured sampler about every other span', () => {
    const off = new BridgeSampler(new tracing.AlwaysOffSampler())
    const result = off.shouldSample(context.active(), 'a'.repeat(32), 'GET /login', 1, { 'next.span_type': 'BaseServer.handleRequest' }, [])
    expect(result.decision).toBe(tracing.SamplingDecision.NOT_RECORD)
    const on = new BridgeSampler(new tracing.AlwaysOnSampler())
    expect(on.shouldSample(context.active(), 'a'.repeat(32), 'login.receive', 0, {}, []).decision).toBe(
      tracing.SamplingDecision.RECORD_AND_SAMPLED,
    )
    expect(on.toString()).toBe('BridgeSampler{AlwaysOnSampler}')
  })

  it("is the variables' sampler alone with NEXT_OTEL_VERBOSE=1, and follows OTEL_TRACES_SAMPLER", () => {
    expect(samplerFromEnv().toString()).toBe(
      'BridgeSampler{ParentBased{root=AlwaysOnSampler, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}}',
    )
    const before = { verbose: process.env.NEXT_OTEL_VERBOSE, sampler: process.env.OTEL_TRACES_SAMPLER }
    try {
      process.env.NEXT_OTEL_VERBOSE = '1'
      expect(samplerFromEnv()).not.toBeInstanceOf(BridgeSampler)
      delete process.env.NEXT_OTEL_VERBOSE
      process.env.OTEL_TRACES_SAMPLER = 'always_off'
      expect(samplerFromEnv().toString()).toBe('BridgeSampler{AlwaysOffSampler}')
    } finally {
      if (before.verbose === undefined) delete process.env.NEXT_OTEL_VERBOSE
      else process.env.NEXT_OTEL_VERBOSE = before.verbose
      if (before.sampler === undefined) delete process.env.OTEL_TRACES_SAMPLER
      else process.env.OTEL_TRACES_SAMPLER = before.sampler
    }
  })

  it('leaves out what runs under a left-out span even when the configured sampler records everything', () => {
    const sampler = new BridgeSampler(new tracing.AlwaysOnSampler())
    const traceId = 'a'.repeat(32)
    const under = (traceFlags: number, isRemote: boolean) => {
      const parent = trace.setSpanContext(context.active(), { traceId, spanId: 'b'.repeat(16), traceFlags, isRemote })
      return sampler.shouldSample(parent, traceId, 'login.receive', 0, {}, []).decision
    }
    expect(under(0, false)).toBe(tracing.SamplingDecision.NOT_RECORD)
    expect(under(1, false)).toBe(tracing.SamplingDecision.RECORD_AND_SAMPLED)
    // A caller's unsampled traceparent is the configured sampler's to judge.
    expect(under(0, true)).toBe(tracing.SamplingDecision.RECORD_AND_SAMPLED)
  })
})

describe('untraced', () => {
  it("makes no span under it, a fetch's included, and leaves the spans around it", async () => {
    await withSpan('login.complete', {}, async () => {
      untraced(() => nextSpan('AppRender.fetch', 'fetch POST http://siem.example/audit', () => undefined))
      await untraced(() => withSpan('ledger.claimed', {}, async () => 'claimed'))
    })
    expect(names()).toEqual(['login.complete'])
  })
})

describe("an outbox worker's poll", () => {
  let handle: TestDatabase
  beforeAll(async () => {
    handle = await openSqliteForTest()
  })
  afterEach(() => setAuditReceivers(undefined))
  afterAll(async () => handle?.drop())

  it('delivers without a span, though what it calls makes one (as Next.js makes one for a fetch)', async () => {
    const receivers = [{ name: 'siem', url: 'http://siem.example/audit', secret: newWebhookSecret(), events: [] }]
    setAuditReceivers(receivers)
    await recordLoginReceived(handle.db, receivedLogin('lri_untraced'), Date.now())
    exporter.reset() // the ledger step's own span
    const posted: string[] = []
    const post: PostWebhook = async (url) =>
      nextSpan('AppRender.fetch', `fetch POST ${url}`, () => {
        posted.push(url)
        return 204
      })
    const policy = { baseMs: 1000, maxMs: 60_000, retryForMs: 3600_000, random: () => 1 }
    const worker = new OutboxWorker(handle.db, { receivers, pollMs: 20, timeoutMs: 1000, policy, post })
    try {
      expect(await worker.runOnce()).toBe(1)
    } finally {
      await worker.stop()
    }
    expect(posted).toEqual(['http://siem.example/audit'])
    const rows = await handle.db.selectFrom('audit_deliveries').select(['status', 'attempts']).execute()
    expect(rows.map((row) => [row.status, Number(row.attempts)])).toEqual([['delivered', 1]])
    expect(names()).toEqual([])
  })
})

describe('redactText, skipping the texts with nothing to replace', () => {
  it.each(['GET /login', 'nextjs', '127.0.0.1', 'render route (app) /login/[key]', 'POST /invite/[token]'])('%s is kept as is', (text) => {
    expect(redactText(text)).toBe(text)
  })

  it.each([
    ['/login?state=s1', '/login?state=[redacted]'],
    ['x&code=c1', 'x&code=[redacted]'],
    ['mail ada@example.com', 'mail [email]'],
    ['lri_ABC123', 'lri_[redacted]'],
    ['bearer eyJa.eyJb.c', 'bearer [jwt]'],
    ['/verify-email/T0k3n', '/verify-email/[redacted]'],
    ['/report-sign-in/T0k3n', '/report-sign-in/[redacted]'],
    ['/login/reset/T0k3n', '/login/reset/[redacted]'],
    ['/invite/T0k3n', '/invite/[redacted]'],
  ])('%s still becomes %s', (text, redacted) => {
    expect(redactText(text)).toBe(redacted)
  })
})
