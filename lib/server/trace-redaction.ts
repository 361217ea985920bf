import type { Attributes, AttributeValue, Context } from '@opentelemetry/api'
import type { tracing } from '@opentelemetry/sdk-node'

// What leaves the process in a span, whoever made it: the bridge's own spans name only safe
// values, but Next.js's request span carries the address it served (`http.target`): GET /login's
// holds the login request id and the state, /invite/{token}'s an invitation's token, and the
// mailed links' pages (/login/reset/{token}, /verify-email/{token}, /report-sign-in/{token}) their
// link's token. Every exported span goes through redactSpan: each query value, link token, raw login request id,
// email address and JWT in the span's name, attributes, event attributes and status message is
// replaced, and attributes named like a header or credential (cookie, authorization, token,
// secret, password, url.query) are dropped.

type ReadableSpan = tracing.ReadableSpan
type SpanProcessor = tracing.SpanProcessor
type Span = tracing.Span

const QUERY_VALUE = /([?&][^=&\s#?"]+)=[^&\s#"]*/g
const LOGIN_REQUEST_ID = /lri_[A-Za-z0-9]+/g
/**
 * Pages whose segment after the prefix is a link's token: invitations and the mailed links. The route
 * template `[token]` and the token-free pages beside them (`problem/{code}`, `done`) stay readable.
 */
const SECRET_PATH_SEGMENT =
  /(\/(?:invite|login\/reset|verify-email|report-sign-in)\/)(?!\[token\]|(?:problem|done)(?:[/?#\s"]|$))[^/?#\s"]+/g
const EMAIL = /[^\s@"'<>(),;:/?&=]+@[^\s@"'<>(),;:/?&=]+\.[A-Za-z]{2,}/g
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g
const DROPPED_KEY = /cookie|authorization|token|secret|password|^url\.query$/i

export function redactText(text: string): string {
  return text
    .replace(QUERY_VALUE, '$1=[redacted]')
    .replace(SECRET_PATH_SEGMENT, '$1[redacted]')
    .replace(LOGIN_REQUEST_ID, 'lri_[redacted]')
    .replace(EMAIL, '[email]')
    .replace(JWT, '[jwt]')
}

function redactValue(value: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof value === 'string') return redactText(value)
  if (Array.isArray(value)) return value.map((item: unknown) => (typeof item === 'string' ? redactText(item) : item)) as AttributeValue
  return value
}

function redactAttributes(attributes: Attributes): Attributes {
  const out: Attributes = {}
  for (const [key, value] of Object.entries(attributes)) {
    if (DROPPED_KEY.test(key)) continue
    out[key] = redactValue(value)
  }
  return out
}

/** The span as exported: a view over the ended span whose texts are redacted (the span is untouched). */
export function redactSpan(span: ReadableSpan): ReadableSpan {
  const overrides: Record<string, unknown> = {
    name: redactText(span.name),
    attributes: redactAttributes(span.attributes),
    events: span.events.map((event) => ({
      ...event,
      name: redactText(event.name),
      attributes: event.attributes ? redactAttributes(event.attributes) : event.attributes,
    })),
    status: span.status.message === undefined ? span.status : { ...span.status, message: redactText(span.status.message) },
  }
  const view = Object.create(span) as ReadableSpan
  for (const [key, value] of Object.entries(overrides)) Object.defineProperty(view, key, { value, enumerable: true })
  return view
}

/** Hands the exporting processors (from the OTEL_* variables) only redacted spans. */
export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor[]) {}

  onStart(span: Span, parentContext: Context): void {
    for (const processor of this.inner) processor.onStart(span, parentContext)
  }

  onEnd(span: ReadableSpan): void {
    const redacted = redactSpan(span)
    for (const processor of this.inner) processor.onEnd(redacted)
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.inner.map((processor) => processor.forceFlush()))
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.inner.map((processor) => processor.shutdown()))
  }
}
