import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api'
import { tracing } from '@opentelemetry/sdk-node'
import { createSamplerFromEnv } from '@opentelemetry/sdk-node/build/src/create-from-env'

// Which spans are recorded. The sampler the OTEL_* variables name (OTEL_TRACES_SAMPLER, default
// parentbased_always_on) decides, except for Next.js's spans of its own machinery: loading a
// route's modules, building the component tree, metadata, the start of the response. They say
// nothing about a login, and were half of a login's spans (about 14 of 33; benchmarks.md,
// "Operations on"). They are not recorded unless NEXT_OTEL_VERBOSE=1, which also turns on
// Next.js's verbose spans. Next.js's request, proxy, render and route handler spans are kept, and
// so is every span of the bridge. What a left-out span would have had under it is left out too
// (its children see an unsampled parent), so no exported span loses its parent: none of these
// spans has one of the bridge's under it.

type Env = Record<string, string | undefined>

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
    return this.inner.shouldSample(context, traceId, spanName, spanKind, attributes, links)
  }

  toString(): string {
    return `BridgeSampler{${this.inner.toString()}}`
  }
}

/** The variables' sampler; wrapped in BridgeSampler unless NEXT_OTEL_VERBOSE=1 asks for every Next.js span. */
export function samplerFromEnv(env: Env): tracing.Sampler {
  const configured = createSamplerFromEnv() ?? new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() })
  return env.NEXT_OTEL_VERBOSE === '1' ? configured : new BridgeSampler(configured)
}
