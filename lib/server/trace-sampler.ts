import { trace, TraceFlags, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api'
import { tracing } from '@opentelemetry/sdk-node'
import { createSamplerFromEnv } from '@opentelemetry/sdk-node/build/src/create-from-env'

// Which spans are recorded. The sampler the OTEL_* variables name (OTEL_TRACES_SAMPLER, default
// parentbased_always_on) decides, except for Next.js's spans of its own machinery: loading a
// route's modules, building the component tree, metadata, the start of the response. They say
// nothing about a login, and were half of a login's spans (about 14 of 33; benchmarks.md,
// "Operations on"). They are not recorded unless NEXT_OTEL_VERBOSE=1, which also turns on
// Next.js's verbose spans. Next.js's request, proxy, render and route handler spans are kept, and
// so is every span of the bridge. What runs under a left-out span is left out too, whatever the
// configured sampler (a span whose parent in this process was not recorded is not recorded), so
// no exported span loses its parent; none of these spans has one of the bridge's under it
// (e2e/tracing.spec.ts checks both).

/** Next.js's span types (`next.span_type`) of module loading and tree building, left out of traces. */
export const NEXT_INTERNAL_SPAN_TYPES: ReadonlySet<string> = new Set([
  'NextNodeServer.findPageComponents',
  'LoadComponents.loadRouteModule',
  'RouteModule.prepare',
  'AppRouteRouteModule.loadUserland',
  'NextNodeServer.createComponentTree',
  'NextNodeServer.getLayoutOrPageModule',
  'NextNodeServer.clientComponentLoading',
  'NextNodeServer.startResponse',
  'ResolveMetadata.generateMetadata',
  'ResolveMetadata.generateViewport',
])

const NOT_RECORDED: tracing.SamplingResult = { decision: tracing.SamplingDecision.NOT_RECORD }

export class BridgeSampler implements tracing.Sampler {
  constructor(private readonly inner: tracing.Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): tracing.SamplingResult {
    const type = attributes['next.span_type']
    if (typeof type === 'string' && NEXT_INTERNAL_SPAN_TYPES.has(type)) return NOT_RECORDED
    const parent = trace.getSpanContext(context)
    if (parent && !parent.isRemote && (parent.traceFlags & TraceFlags.SAMPLED) === 0) return NOT_RECORDED
    return this.inner.shouldSample(context, traceId, spanName, spanKind, attributes, links)
  }

  toString(): string {
    return `BridgeSampler{${this.inner.toString()}}`
  }
}

/**
 * The sampler OTEL_TRACES_SAMPLER names (read from the process's environment, as sdk-node reads it);
 * wrapped in BridgeSampler unless NEXT_OTEL_VERBOSE=1 asks for every Next.js span.
 */
export function samplerFromEnv(): tracing.Sampler {
  const configured = createSamplerFromEnv() ?? new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() })
  return process.env.NEXT_OTEL_VERBOSE === '1' ? configured : new BridgeSampler(configured)
}
