import { afterAll, beforeAll, beforeEach } from 'vitest'
import { trace } from '@opentelemetry/api'
import { node, tracing } from '@opentelemetry/sdk-node'
import { RedactingSpanProcessor } from './trace-redaction'
import { markTracingOn } from './spans'

/**
 * For a test file or block: tracing on, with a registered provider (and `sampler`, if given) whose
 * spans, redacted as they would be exported, land in the returned exporter, emptied before each test.
 */
export function inMemoryTracing(sampler?: tracing.Sampler): tracing.InMemorySpanExporter {
  const exporter = new tracing.InMemorySpanExporter()
  const provider = new node.NodeTracerProvider({
    sampler,
    spanProcessors: [new RedactingSpanProcessor([new tracing.SimpleSpanProcessor(exporter)])],
  })
  beforeAll(() => {
    provider.register()
    markTracingOn()
  })
  afterAll(async () => {
    markTracingOn(false)
    await provider.shutdown()
    trace.disable()
  })
  beforeEach(() => exporter.reset())
  return exporter
}
