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
type TimedEvent = tracing.TimedEvent

const QUERY_VALUE = /([?&][^=&\s#?"]+)=[^&\s#"]*/g
const LOGIN_REQUEST_ID = /lri_[A-Za-z0-9]+/g
/**
 * Pages whose segment after the prefix is a link's token: invitations and the mailed links. The route
 * template `[token]` and the token-free pages beside them (`problem/{code}`, `done`) stay readable.
 */
const LINK_PAGE = String.raw`\/(?:invite|login\/reset|verify-email|report-sign-in)\/`
const SECRET_PATH_SEGMENT = new RegExp(String.raw`(${LINK_PAGE})(?!\[token\]|(?:problem|done)(?:[/?#\s"]|$))[^/?#\s"]+`, 'g')
const EMAIL = /[^\s@"'<>(),;:/?&=]+@[^\s@"'<>(),;:/?&=]+\.[A-Za-z]{2,}/g
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g
const DROPPED_KEY = /cookie|authorization|token|secret|password|^url\.query$/i

/**
 * Whether a text can hold anything the patterns above replace: each needs one of these (`?` or
 * `&` before a query value, a link page's path, `lri_`, `@`, `eyJ`). Most of a span's texts
 * (`GET /login`, `nextjs`, `127.0.0.1`) have none and skip the five replacements.
 */
const MAY_HOLD_SECRET = new RegExp(String.raw`[?&@]|lri_|eyJ|${LINK_PAGE}`)

export function redactText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text
  return text
    .replace(QUERY_VALUE, '$1=[redacted]')
    .replace(SECRET_PATH_SEGMENT, '$1[redacted]')
    .replace(LOGIN_REQUEST_ID, 'lri_[redacted]')
    .replace(EMAIL, '[email]')
    .replace(JWT, '[jwt]')
}

function redactValue(value: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof value === 'string') return redactText(value)
  if (!Array.isArray(value)) return value
  const items = value.map((item: unknown) => (typeof item === 'string' ? redactText(item) : item))
  return items.some((item, index) => item !== value[index]) ? (items as AttributeValue) : value
}

/** The attributes as exported; the same object when none is dropped or changed (most spans' attributes). */
function redactAttributes(attributes: Attributes): Attributes {
  const out: Attributes = {}
  let changed = false
  for (const [key, value] of Object.entries(attributes)) {
    if (DROPPED_KEY.test(key)) {
      changed = true
      continue
    }
    const redacted = redactValue(value)
    if (redacted !== value) changed = true
    out[key] = redacted
  }
  return changed ? out : attributes
}

function redactEvent(event: TimedEvent): TimedEvent {
  const name = redactText(event.name)
  const attributes = event.attributes && redactAttributes(event.attributes)
  return name === event.name && attributes === event.attributes ? event : { ...event, name, attributes }
}

/**
 * The span as exported: a view over the ended span whose texts are redacted (the span is
 * untouched), or the span itself when nothing in it is replaced or dropped.
 */
export function redactSpan(span: ReadableSpan): ReadableSpan {
  const events = span.events.map(redactEvent)
  const message = span.status.message === undefined ? undefined : redactText(span.status.message)
  const redacted: Record<string, unknown> = {
    name: redactText(span.name),
    attributes: redactAttributes(span.attributes),
    events: events.some((event, index) => event !== span.events[index]) ? events : span.events,
    status: message === span.status.message ? span.status : { ...span.status, message },
  }
  const changed = Object.entries(redacted).filter(([key, value]) => value !== span[key as keyof ReadableSpan])
  if (changed.length === 0) return span
  const view = Object.create(span) as ReadableSpan
  for (const [key, value] of changed) Object.defineProperty(view, key, { value, enumerable: true })
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
