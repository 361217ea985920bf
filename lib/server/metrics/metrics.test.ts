import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { Registry } from 'prom-client'

// The metrics functions against the process's registry, with two configured MCP servers (crm, the
// default, and finance) and two identity sources (local, okta): every label value is one of those
// or a fixed word, whatever a caller passes.

const env = {
  APP_URL: 'https://login.example.com',
  SESSION_SECRET: 'x'.repeat(32),
  AUTH_SECRET: 'y'.repeat(32),
  METRICS_TOKEN: 'metrics-token-0123456789abcdef0123456789',
  SCALEKIT_ENVIRONMENT_URL: 'https://acme.scalekit.dev',
  SCALEKIT_CLIENT_ID: 'skc_1',
  SCALEKIT_CLIENT_SECRET: 'top-secret',
  MCP_SERVERS: JSON.stringify([
    { key: 'crm', name: 'CRM MCP', connectionId: 'conn_crm1', default: true },
    { key: 'finance', name: 'Finance MCP', connectionId: 'conn_fin1' },
  ]),
  IDENTITY_SOURCES: JSON.stringify([
    { id: 'local', type: 'local' },
    { id: 'okta', type: 'oidc', name: 'Okta', issuer: 'https://acme.okta.com', clientId: 'c', clientSecret: 's' },
  ]),
}

type Metrics = typeof import('.')
let m: Metrics
let registry: Registry

beforeAll(async () => {
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value)
  m = await import('.')
  registry = (await import('./registry')).metricsState()!.registry
})

async function value(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name)
  if (!metric) throw new Error(`no metric ${name}`)
  const { values } = await metric.get()
  const wanted = Object.entries(labels)
  const found = values.filter(
    (v) => Object.keys(v.labels).length === wanted.length && wanted.every(([k, x]) => v.labels[k] === x) && !('le' in v.labels),
  )
  return found.length === 1 ? found[0]!.value : found.length === 0 ? undefined : NaN
}

async function labelSets(name: string): Promise<Array<Partial<Record<string, string | number>>>> {
  return (await registry.getSingleMetric(name)!.get()).values.map((v) => v.labels)
}

describe('the metrics registry', () => {
  it('is one registry for every copy of the module, with the default process metrics once', async () => {
    vi.resetModules()
    const again = (await import('./registry')).metricsState()!
    expect(again.registry).toBe(registry)
    const before = await value('bridge_login_requests_received_total', { server: 'finance' })
    ;(await import('.')).countLoginReceived('finance')
    m.countLoginReceived('finance')
    expect(await value('bridge_login_requests_received_total', { server: 'finance' })).toBe((before ?? 0) + 2)
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name)
    expect(names.filter((name) => name === 'process_cpu_user_seconds_total')).toHaveLength(1)
    expect(names).toContain('nodejs_eventloop_lag_seconds')
  })

  it('counts login outcomes by configured server, outcome and problem code', async () => {
    m.countLoginOutcome('crm', 'completed')
    m.countLoginOutcome(undefined, 'failed', 'scalekit_timeout')
    m.countLoginOutcome('finance', 'denied', 'access_denied')
    m.countLoginOutcome('finance', 'denied', 'access_denied')
    expect(await value('bridge_login_outcomes_total', { server: 'crm', outcome: 'completed', reason: 'none' })).toBe(1)
    // No key is the default server, as /login serves it.
    expect(await value('bridge_login_outcomes_total', { server: 'crm', outcome: 'failed', reason: 'scalekit_timeout' })).toBe(1)
    expect(await value('bridge_login_outcomes_total', { server: 'finance', outcome: 'denied', reason: 'access_denied' })).toBe(2)
  })

  it('case 47: bounds every label, so no email, id, state or address reaches a scrape', async () => {
    const email = 'ada.lovelace@example.com'
    const loginRequestId = 'lri_0123456789abcdef'
    m.countLoginOutcome(email, 'rejected', loginRequestId)
    m.countLoginOutcome('FINANCE', 'sideways' as 'completed', '203.0.113.9')
    m.countLoginReceived('../../etc/passwd')
    m.countSignIn(email, 'ok')
    m.countSignIn('okta', 'maybe' as 'ok')
    m.countDatabaseError('drop table' as 'readiness')
    m.countTokenFetch(`token for ${email}`)
    m.countAuditDelivery(loginRequestId as 'delivered')
    m.countThrottleLock(email as 'account')
    m.countMailAttempt(email, 'sent')
    m.countMailAttempt('password_reset', loginRequestId as 'sent')
    expect(await value('bridge_login_outcomes_total', { server: 'other', outcome: 'rejected', reason: 'other' })).toBe(1)
    expect(await value('bridge_login_outcomes_total', { server: 'other', outcome: 'other', reason: 'other' })).toBe(1)
    expect(await value('bridge_login_requests_received_total', { server: 'other' })).toBe(1)
    expect(await value('bridge_sign_ins_total', { source: 'other', result: 'ok' })).toBe(1)
    expect(await value('bridge_sign_ins_total', { source: 'okta', result: 'other' })).toBe(1)
    expect(await value('bridge_database_errors_total', { operation: 'other' })).toBe(1)
    expect(await value('bridge_scalekit_token_fetches_total', { outcome: 'other' })).toBe(1)
    expect(await value('bridge_audit_deliveries_total', { result: 'other' })).toBe(1)
    expect(await value('bridge_sign_in_throttle_locks_total', { scope: 'other' })).toBe(1)
    expect(await value('bridge_mail_attempts_total', { kind: 'other', result: 'sent' })).toBe(1)
    expect(await value('bridge_mail_attempts_total', { kind: 'password_reset', result: 'other' })).toBe(1)
    const { body } = await m.scrapeMetrics()
    for (const leaked of [email, loginRequestId, '203.0.113.9', 'FINANCE', 'passwd', 'drop table']) expect(body).not.toContain(leaked)
    const servers = new Set((await labelSets('bridge_login_outcomes_total')).map((labels) => labels.server))
    expect([...servers].sort()).toEqual(['crm', 'finance', 'other'])
  })

  it('counts sign-ins by source and result, throttle locks by scope, database errors by operation', async () => {
    m.countSignIn('local', 'refused')
    m.countSignIn('okta', 'error')
    m.countThrottleLock('address')
    m.countDatabaseError('readiness')
    expect(await value('bridge_sign_ins_total', { source: 'local', result: 'refused' })).toBe(1)
    expect(await value('bridge_sign_ins_total', { source: 'okta', result: 'error' })).toBe(1)
    expect(await value('bridge_sign_in_throttle_locks_total', { scope: 'address' })).toBe(1)
    expect(await value('bridge_database_errors_total', { operation: 'readiness' })).toBe(1)
  })

  it('times a Scalekit call and counts it by operation and outcome, rethrowing its error', async () => {
    const update = 'scalekit.v1.auth.UpdateLoginUserDetailsRequest'
    await expect(
      m.timeScalekitCall(
        update,
        async () => 'done',
        () => 'unused',
      ),
    ).resolves.toBe('done')
    const failure = new Error('deadline')
    await expect(
      m.timeScalekitCall(
        update,
        () => Promise.reject(failure),
        () => 'scalekit_timeout',
      ),
    ).rejects.toBe(failure)
    await m.timeScalekitCall(
      'scalekit.v1.users.ListUsersRequest',
      async () => 1,
      () => 'unused',
    )
    const operation = 'update_login_user_details'
    expect(await value('bridge_scalekit_calls_total', { operation, outcome: 'ok' })).toBe(1)
    expect(await value('bridge_scalekit_calls_total', { operation, outcome: 'scalekit_timeout' })).toBe(1)
    expect(await value('bridge_scalekit_calls_total', { operation: 'other', outcome: 'ok' })).toBe(1)
    const durations = (await registry.getSingleMetric('bridge_scalekit_call_duration_seconds')!.get()).values
    expect(
      durations.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count') && v.labels.operation === operation)?.value,
    ).toBe(2)
  })

  it('observes completion time in seconds by outcome', async () => {
    m.observeCompletion('completed', performance.now() - 300)
    const values = (await registry.getSingleMetric('bridge_login_completion_duration_seconds')!.get()).values
    const sum =
      values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_sum') && v.labels.outcome === 'completed')?.value ?? 0
    expect(sum).toBeGreaterThanOrEqual(0.3)
    expect(sum).toBeLessThan(5)
    expect(values.find((v) => v.labels.le === 0.25 && v.labels.outcome === 'completed')?.value).toBe(0)
    expect(values.find((v) => v.labels.le === 0.5 && v.labels.outcome === 'completed')?.value).toBe(1)
  })
})

describe('the audit stream metrics', () => {
  it('counts deliveries by result', async () => {
    m.countAuditDelivery('delivered')
    m.countAuditDelivery('delivered')
    m.countAuditDelivery('retry')
    m.countAuditDelivery('failed')
    expect(await value('bridge_audit_deliveries_total', { result: 'delivered' })).toBe(2)
    expect(await value('bridge_audit_deliveries_total', { result: 'retry' })).toBe(1)
    expect(await value('bridge_audit_deliveries_total', { result: 'failed' })).toBe(1)
  })

  it('reads the backlog from its source at each scrape: 0 without one, the last value when it fails', async () => {
    m.setAuditBacklogSource(undefined)
    expect((await m.scrapeMetrics()).body).toContain('\nbridge_audit_outbox_backlog 0\n')
    let backlog = 17
    m.setAuditBacklogSource(async () => backlog)
    expect((await m.scrapeMetrics()).body).toContain('\nbridge_audit_outbox_backlog 17\n')
    backlog = 4
    expect(await value('bridge_audit_outbox_backlog')).toBe(4)
    const lines: string[] = []
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((line) => lines.push(String(line)) > 0)
    m.setAuditBacklogSource(() => Promise.reject(new Error('the outbox table is locked')))
    try {
      expect((await m.scrapeMetrics()).body).toContain('\nbridge_audit_outbox_backlog 4\n')
    } finally {
      write.mockRestore()
    }
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { event: 'metrics_collect_failed', metric: 'bridge_audit_outbox_backlog', error: 'the outbox table is locked' },
    ])
    m.setAuditBacklogSource(undefined)
    expect(await value('bridge_audit_outbox_backlog')).toBe(0)
  })
})
