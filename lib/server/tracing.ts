import 'server-only'
import { logEvent } from './log'
import { onShutdown } from './shutdown'
import { markTracingOn } from './spans'
import { RedactingSpanProcessor } from './trace-redaction'

// OpenTelemetry traces, configured only by the standard OTEL_* variables and off unless they ask
// for an exporter (docs/operations.md, "Traces"). On: @opentelemetry/sdk-node with the span
// processors those variables describe (exporter, OTLP protocol, batch delays), behind the
// redaction of trace-redaction.ts; the sampler from OTEL_TRACES_SAMPLER, leaving out Next.js's
// module-loading spans (trace-sampler.ts); W3C trace context (and baggage) propagation unless
// OTEL_PROPAGATORS says otherwise. Next.js then makes its own span
// for every request, continuing an incoming `traceparent`; lib/server/spans.ts adds the login's.
// No metrics or logs go through the SDK, and no auto-instrumentation is loaded.

type Env = Record<string, string | undefined>

const DEFAULT_SERVICE_NAME = 'byoa-bridge'

function set(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== ''
}

function exporters(env: Env): string[] {
  return (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
}

/**
 * Whether the variables ask for traces: OTEL_SDK_DISABLED=true never; OTEL_TRACES_EXPORTER set to
 * anything but `none`, or an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, or the traces one) set.
 */
export function tracingWanted(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false
  const named = exporters(env)
  if (named.length > 0) return !named.every((name) => name === 'none')
  return set(env.OTEL_EXPORTER_OTLP_ENDPOINT) || set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
}

/** `byoa-bridge`, unless OTEL_SERVICE_NAME or a service.name in OTEL_RESOURCE_ATTRIBUTES names the service. */
export function defaultServiceName(env: Env): string | undefined {
  if (set(env.OTEL_SERVICE_NAME)) return undefined
  const resource = (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',').map((pair) => pair.split('=')[0]?.trim())
  return resource.includes('service.name') ? undefined : DEFAULT_SERVICE_NAME
}

/** Starts tracing if the variables ask for it; says whether it did. Called once, from instrumentation.ts. */
export async function startTracing(env: Env = process.env): Promise<boolean> {
  if (!tracingWanted(env)) return false
  const { NodeSDK } = await import('@opentelemetry/sdk-node')
  // The processors sdk-node itself builds from the variables, so they are read as it documents.
  const { getSpanProcessorsFromEnv } = await import('@opentelemetry/sdk-node/build/src/utils')
  const processors = getSpanProcessorsFromEnv(undefined)
  if (processors.length === 0) {
    logEvent('tracing_not_started', { reason: 'no usable exporter in OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_PROTOCOL' })
    return false
  }
  const { samplerFromEnv } = await import('./trace-sampler')
  const sdk = new NodeSDK({
    serviceName: defaultServiceName(env),
    sampler: samplerFromEnv(),
    spanProcessors: [new RedactingSpanProcessor(processors)],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  })
  sdk.start()
  markTracingOn()
  onShutdown('traces', () => sdk.shutdown())
  logEvent('tracing_started', {
    service: env.OTEL_SERVICE_NAME?.trim() || defaultServiceName(env) || 'from OTEL_RESOURCE_ATTRIBUTES',
    exporter: exporters(env).join(',') || 'otlp',
    protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    sampler: env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on',
  })
  return true
}
