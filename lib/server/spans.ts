import { suppressTracing } from '@opentelemetry/core'
import { context, createContextKey, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api'
import { ConnectError, Code } from '@connectrpc/connect'
import type { Kysely, Transaction } from 'kysely'
import { fingerprint } from './log'

// The bridge's own spans (docs/operations.md, "Traces"). With tracing off (lib/server/tracing.ts
// did not start it), every helper here calls its function straight away: no span, no context.
// The login a span belongs to (`bridge.cid`, `bridge.server`) rides in the context, so the
// spans under it (a ledger step, a Scalekit attempt) carry it without being told. Only values
// the caller names become attributes: never a state, email, secret or raw login request id.

export type SpanAttributes = Record<string, string | number | boolean | undefined>

const TRACER_NAME = 'byoa-bridge'
const ON = Symbol.for('byoa-bridge.tracing')
const LOGIN = createContextKey('byoa-bridge.login')
const ATTEMPTS = createContextKey('byoa-bridge.scalekit-attempts')
const LOGIN_KEYS = ['bridge.cid', 'bridge.server'] as const

/** Set once tracing/startup has registered the SDK. State on globalThis: one per process, not per bundle. */
export function markTracingOn(on = true): void {
  ;(globalThis as { [ON]?: boolean })[ON] = on
}

function tracingOn(): boolean {
  return (globalThis as { [ON]?: boolean })[ON] === true
}

/**
 * Runs `fn` with no span made under it, Next.js's fetch spans included: the outbox workers' polls,
 * which would otherwise make a trace of one span per webhook delivered.
 */
export function untraced<T>(fn: () => T): T {
  if (!tracingOn()) return fn()
  return context.with(suppressTracing(context.active()), fn)
}

/** The attributes that tie a span to one login: its correlation id (as in the logs) and the server. */
export function loginAttributes(loginRequestId: string, serverKey?: string): SpanAttributes {
  return { 'bridge.cid': fingerprint(loginRequestId), 'bridge.server': serverKey }
}

function defined(attributes: SpanAttributes): Attributes {
  const out: Attributes = {}
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value
  return out
}

/** The context for a new span: the login attributes it inherits, merged with the ones it names. */
function spanContext(attributes: SpanAttributes, extra?: [symbol, unknown]): { ctx: Context; attributes: Attributes } {
  const parent = context.active()
  const login: SpanAttributes = { ...(parent.getValue(LOGIN) as SpanAttributes | undefined) }
  for (const key of LOGIN_KEYS) if (attributes[key] !== undefined) login[key] = attributes[key]
  let ctx = parent.setValue(LOGIN, login)
  if (extra) ctx = ctx.setValue(extra[0], extra[1])
  return { ctx, attributes: defined({ ...login, ...attributes }) }
}

function recordError(span: Span, error: unknown): void {
  const name = error instanceof Error ? error.name : 'Error'
  const message = error instanceof Error ? error.message : String(error)
  // Name and message only (the redaction in tracing.ts still reads them before export).
  span.recordException({ name, message })
  span.setAttribute('error.type', name)
  span.setStatus({ code: SpanStatusCode.ERROR, message })
}

function settle<T>(span: Span, result: T, describe?: (result: T) => SpanAttributes): T {
  if (describe) span.setAttributes(defined(describe(result)))
  return result
}

/**
 * Runs `fn` in a span named `name`; `describe` turns its result into attributes (an outcome). A
 * thrown error is recorded (type and message) with an ERROR status, and thrown on.
 */
export function withSpan<T>(
  name: string,
  attributes: SpanAttributes,
  fn: () => Promise<T>,
  describe?: (result: T) => SpanAttributes,
  extra?: [symbol, unknown],
): Promise<T> {
  if (!tracingOn()) return fn()
  const start = spanContext(attributes, extra)
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes: start.attributes }, start.ctx, async (span) => {
    try {
      return settle(span, await fn(), describe)
    } catch (error) {
      recordError(span, error)
      throw error
    } finally {
      span.end()
    }
  })
}

/** withSpan for a synchronous step (the access policy). */
export function withSpanSync<T>(name: string, attributes: SpanAttributes, fn: () => T, describe?: (result: T) => SpanAttributes): T {
  if (!tracingOn()) return fn()
  const start = spanContext(attributes)
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes: start.attributes }, start.ctx, (span) => {
    try {
      return settle(span, fn(), describe)
    } catch (error) {
      recordError(span, error)
      throw error
    } finally {
      span.end()
    }
  })
}

/** One Scalekit call (`operation`), under which each attempt at the SDK's seam gets its own span. */
export function withScalekitCall<T>(
  operation: string,
  attributes: SpanAttributes,
  fn: () => Promise<T>,
  describe?: (result: T) => SpanAttributes,
) {
  return withSpan(`scalekit.${operation}`, { 'scalekit.operation': operation, ...attributes }, fn, describe, [ATTEMPTS, { count: 0 }])
}

/**
 * One attempt of the Scalekit call in progress (lib/scalekit/client.ts): numbered from 1, with its
 * outcome (`ok` or the Connect code it failed with). Outside a traced call, just `fn`.
 */
export function scalekitAttempt<T>(fn: () => Promise<T>): Promise<T> {
  const attempts = tracingOn() ? (context.active().getValue(ATTEMPTS) as { count: number } | undefined) : undefined
  if (!attempts) return fn()
  attempts.count += 1
  const attributes = { 'scalekit.attempt': attempts.count }
  return withSpan('scalekit.attempt', attributes, async () => {
    try {
      const result = await fn()
      trace.getActiveSpan()?.setAttribute('scalekit.outcome', 'ok')
      return result
    } catch (error) {
      trace.getActiveSpan()?.setAttribute('scalekit.outcome', Code[ConnectError.from(error).code] ?? 'unknown')
      throw error
    }
  })
}

/** One ledger step (`ledger.<step>`) of the login `loginRequestId`: its database transaction, in its span. */
export function ledgerTransaction<DB, T>(
  db: Kysely<DB>,
  step: string,
  loginRequestId: string,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (!tracingOn()) return db.transaction().execute(work)
  const attributes = { 'bridge.cid': fingerprint(loginRequestId), 'bridge.ledger.step': step }
  return withSpan(`ledger.${step}`, attributes, () => db.transaction().execute(work))
}
