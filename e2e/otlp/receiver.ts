import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { readBody } from '../stand-in/http-helpers'

// An OTLP/HTTP trace receiver for the browser suite, in the Scalekit stand-in's process: the
// bridges export with OTEL_EXPORTER_OTLP_PROTOCOL=http/json, so a POST to /v1/traces is plain
// JSON. Spans are kept in memory (GET /_otlp/spans?traceId=... for a test) and appended, one JSON
// line each, to a file the end-of-run scan reads for secrets (e2e/tools/scan-logs.ts, security.md
// case 48).

type AnyValue = {
  stringValue?: string
  boolValue?: boolean
  intValue?: string | number
  doubleValue?: number
  arrayValue?: { values?: AnyValue[] }
}
type KeyValue = { key: string; value?: AnyValue }

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind?: number
  attributes?: KeyValue[]
  events?: Array<{ name: string; attributes?: KeyValue[] }>
  status?: { code?: number; message?: string }
}

interface OtlpRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] }
    scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }>
  }>
}

/** A received span, flattened: attributes as an object. Each line of the spans file is one. */
export interface ReceivedSpan {
  traceId: string
  spanId: string
  parentSpanId: string | null
  name: string
  kind: number | null
  service: string | null
  scope: string | null
  attributes: Record<string, unknown>
  events: Array<{ name: string; attributes: Record<string, unknown> }>
  status: { code: number; message: string | null }
}

function plain(value: AnyValue | undefined): unknown {
  if (!value) return null
  if (value.stringValue !== undefined) return value.stringValue
  if (value.boolValue !== undefined) return value.boolValue
  if (value.intValue !== undefined) return Number(value.intValue)
  if (value.doubleValue !== undefined) return value.doubleValue
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain)
  return null
}

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]))
}

function flattenSpans(body: OtlpRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = []
  for (const resourceSpans of body.resourceSpans ?? []) {
    const service = attributesOf(resourceSpans.resource?.attributes)['service.name']
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || null,
          name: span.name,
          kind: span.kind ?? null,
          service: typeof service === 'string' ? service : null,
          scope: scopeSpans.scope?.name ?? null,
          attributes: attributesOf(span.attributes),
          events: (span.events ?? []).map((event) => ({ name: event.name, attributes: attributesOf(event.attributes) })),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? null },
        })
      }
    }
  }
  return spans
}

function answer(response: http.ServerResponse, status: number, body: unknown): true {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
  return true
}

/** The most spans kept in memory for GET /_otlp/spans (the file keeps them all). */
const KEPT = 50_000
const received: ReceivedSpan[] = []

/**
 * The receiver, served by the Scalekit stand-in: POST /v1/traces (OTLP/HTTP, JSON) and
 * GET /_otlp/spans?traceId=... Spans are appended to STANDIN_SPANS_FILE when it is set.
 */
export async function receiveSpans(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<boolean> {
  if (request.method === 'GET' && url.pathname === '/_otlp/spans') {
    const traceId = url.searchParams.get('traceId')
    return answer(response, 200, traceId ? received.filter((span) => span.traceId === traceId) : received)
  }
  if (request.method !== 'POST' || url.pathname !== '/v1/traces') return false
  if (!String(request.headers['content-type']).startsWith('application/json')) return answer(response, 415, { error: 'JSON only' })
  let spans: ReceivedSpan[]
  try {
    spans = flattenSpans(JSON.parse(await readBody(request, 64 * 1024 * 1024)) as OtlpRequest)
  } catch (error) {
    return answer(response, 400, { error: error instanceof Error ? error.message : String(error) })
  }
  received.push(...spans)
  received.splice(0, Math.max(0, received.length - KEPT))
  const file = process.env.STANDIN_SPANS_FILE
  if (file && spans.length > 0) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.appendFileSync(file, spans.map((span) => `${JSON.stringify(span)}\n`).join(''))
  }
  return answer(response, 200, {})
}
