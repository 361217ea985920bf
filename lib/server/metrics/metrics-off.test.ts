import { beforeAll, describe, expect, it, vi } from 'vitest'
import { register } from 'prom-client'

// Without METRICS_TOKEN nobody can read the metrics, so none are kept: no registry, no default
// process metrics (their event-loop monitor included), and every call of the flow does nothing.

beforeAll(() => {
  for (const [key, value] of Object.entries({
    APP_URL: 'https://login.example.com',
    SESSION_SECRET: 'x'.repeat(32),
    AUTH_SECRET: 'y'.repeat(32),
    SCALEKIT_ENVIRONMENT_URL: 'https://acme.scalekit.dev',
    SCALEKIT_CLIENT_ID: 'skc_1',
    SCALEKIT_CLIENT_SECRET: 'top-secret',
    SCALEKIT_CONNECTION_ID: 'conn_12345',
    METRICS_TOKEN: '',
  })) {
    vi.stubEnv(key, value)
  }
})

describe('metrics while METRICS_TOKEN is unset', () => {
  it('keeps no registry and counts nothing, and a Scalekit call still runs and fails as itself', async () => {
    const m = await import('.')
    const { metricsState } = await import('./registry')
    m.countLoginReceived('default')
    m.countLoginOutcome('default', 'completed')
    m.countSignIn('local', 'ok')
    m.countThrottleLock('account')
    m.countTokenFetch('ok')
    m.countDatabaseError('readiness')
    m.observeCompletion('completed', performance.now())
    m.countAuditDelivery('delivered')
    m.setAuditBacklogSource(async () => 5)
    await expect(
      m.timeScalekitCall(
        'x',
        async () => 'answer',
        () => 'ok',
      ),
    ).resolves.toBe('answer')
    const failure = new Error('unavailable')
    await expect(
      m.timeScalekitCall(
        'x',
        () => Promise.reject(failure),
        () => 'ok',
      ),
    ).rejects.toBe(failure)
    expect(metricsState()).toBeUndefined()
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('byoa-bridge.metrics')]).toBeNull()
    await expect(m.scrapeMetrics()).rejects.toThrow('metrics are off: METRICS_TOKEN is not set')
    expect(register.getMetricsAsArray()).toEqual([])
  })
})
