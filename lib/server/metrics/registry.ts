import 'server-only'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { errorText, logEvent } from '../log'
import { getEnv } from '../../env'

// The process's one Prometheus registry and its metrics. Next.js may load a module once per route
// bundle, so they live on globalThis under a Symbol.for key: every copy of this module counts into
// the same registry, and the default process metrics are collected once. Names and labels are
// listed in docs/operations.md ("Metrics"). Without METRICS_TOKEN nobody can read them, so
// nothing is counted or collected at all.

/** How long Scalekit calls and completions take, in seconds: from a fast answer to past the timeout. */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export type BacklogSource = () => Promise<number>

/** The login flow: requests, outcomes, sign-ins, throttle locks, completion time. */
function loginMetrics(registers: Registry[]) {
  return {
    loginRequestsReceived: new Counter({
      name: 'bridge_login_requests_received_total',
      help: 'New login requests recorded in the ledger, by MCP server.',
      labelNames: ['server'] as const,
      registers,
    }),
    loginOutcomes: new Counter({
      name: 'bridge_login_outcomes_total',
      help: 'Login requests by MCP server and outcome (completed, cancelled, denied, failed, expired, rejected), with the problem code as reason.',
      labelNames: ['server', 'outcome', 'reason'] as const,
      registers,
    }),
    signIns: new Counter({
      name: 'bridge_sign_ins_total',
      help: 'Sign-ins by identity source and result (ok, refused, error).',
      labelNames: ['source', 'result'] as const,
      registers,
    }),
    throttleLocks: new Counter({
      name: 'bridge_sign_in_throttle_locks_total',
      help: 'Sign-in throttle locks taken, by scope (account or address).',
      labelNames: ['scope'] as const,
      registers,
    }),
    completionDuration: new Histogram({
      name: 'bridge_login_completion_duration_seconds',
      help: 'The completing request of a login (single-use claim, Scalekit call, ledger), by outcome.',
      labelNames: ['outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  }
}

/** What the flow depends on: Scalekit, the database, the audit stream. */
function dependencyMetrics(registers: Registry[]) {
  return {
    scalekitCalls: new Counter({
      name: 'bridge_scalekit_calls_total',
      help: 'Scalekit API calls (with their retries) by operation and outcome (ok or the problem code).',
      labelNames: ['operation', 'outcome'] as const,
      registers,
    }),
    scalekitDuration: new Histogram({
      name: 'bridge_scalekit_call_duration_seconds',
      help: 'How long Scalekit API calls took, retries included, by operation.',
      labelNames: ['operation'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    tokenFetches: new Counter({
      name: 'bridge_scalekit_token_fetches_total',
      help: 'Client-credentials token fetches from Scalekit by outcome (ok or the problem code).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    databaseErrors: new Counter({
      name: 'bridge_database_errors_total',
      help: 'Database failures the bridge caught, by operation.',
      labelNames: ['operation'] as const,
      registers,
    }),
    auditDeliveries: new Counter({
      name: 'bridge_audit_deliveries_total',
      help: 'Audit event delivery attempts by result (delivered, retry, failed).',
      labelNames: ['result'] as const,
      registers,
    }),
    mailAttempts: new Counter({
      name: 'bridge_mail_attempts_total',
      help: 'Mail outbox attempts by kind of message and result (sent, retry, failed, dropped: nothing to send).',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    auditBacklog: new Gauge({
      name: 'bridge_audit_outbox_backlog',
      help: 'Audit events written to the outbox and not yet delivered (0 when no audit stream is set up).',
      registers,
      async collect() {
        await collectBacklog(this)
      },
    }),
  }
}

function createMetrics(registry: Registry) {
  return { ...loginMetrics([registry]), ...dependencyMetrics([registry]) }
}

interface MetricsState {
  registry: Registry
  metrics: ReturnType<typeof createMetrics>
  backlogSource?: BacklogSource
}

const KEY = Symbol.for('byoa-bridge.metrics')

function metricsOn(): boolean {
  try {
    return getEnv().METRICS_TOKEN !== undefined
  } catch {
    return false // a misconfigured process serves nothing, and exits
  }
}

/** The registry and its metrics, made at first use; undefined while METRICS_TOKEN is unset. */
export function metricsState(): MetricsState | undefined {
  const holder = globalThis as { [KEY]?: MetricsState | null }
  if (holder[KEY] === undefined) {
    const registry = metricsOn() ? new Registry() : undefined
    if (registry) collectDefaultMetrics({ register: registry })
    holder[KEY] = registry ? { registry, metrics: createMetrics(registry) } : null
  }
  return holder[KEY] ?? undefined
}

/** The backlog as its source says at scrape time; a source that fails leaves the last value, and says so in the log. */
async function collectBacklog(gauge: Gauge): Promise<void> {
  const source = metricsState()?.backlogSource
  if (!source) {
    gauge.set(0)
    return
  }
  try {
    gauge.set(await source())
  } catch (error) {
    logEvent('metrics_collect_failed', { metric: 'bridge_audit_outbox_backlog', error: errorText(error) })
  }
}
