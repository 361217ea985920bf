import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { openDatabase, migrateToLatest, type DatabaseHandle } from '../../lib/db'
import { recordLoginEvent, recordLoginReceived } from '../../lib/ledger/record'
import { setAuditReceivers } from '../../lib/ledger/outbox/enqueue'
import { OutboxWorker } from '../../lib/ledger/outbox/worker'
import { outboxBacklog } from '../../lib/ledger/outbox/status'
import { newWebhookSecret } from '../../lib/ledger/outbox/testing'
import * as h from '../harness'

// The audit stream's outbox (`npm run bench:outbox`): delivery throughput (events/s) with one and
// with four workers draining a filled outbox, and the lag from a ledger step to its arrival at the
// receiver while logins keep coming, on SQLite then PostgreSQL. The receiver is the e2e suite's
// (e2e/audit-receiver/main.ts) in its own process, verifying every signature. The workers run in
// this process, as they run in a bridge's. Fails when an event is lost, refused or arrives twice.

const RECEIVER_PORT = 5560
const RECEIVER = `http://127.0.0.1:${RECEIVER_PORT}`
const FILL_LOGINS = h.setting('OUTBOX_FILL_LOGINS', 1000, 10, 100_000)
const LOAD_LOGINS_PER_SECOND = h.setting('OUTBOX_LOAD_LOGINS_PER_SECOND', 50, 1, 10_000)
const LOAD_SECONDS = h.setting('OUTBOX_LOAD_SECONDS', 10, 1, 600)
const POLL_MS = h.setting('OUTBOX_POLL_MS', 1000, 20, 60_000)
const STEPS = ['received', 'rejected', 'retryable_error', 'expired'] as const
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/bridge_bench_outbox'
const SECRET = newWebhookSecret()
const receivers = [{ name: 'bench', url: `${RECEIVER}/audit`, secret: SECRET, events: [] }]

type Arrived = { id: string; at: number; data: { at: string; correlationId: string } }

async function receiver<T>(route: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const response = await fetch(`${RECEIVER}/_audit/${route}`, { method })
  return (await response.json()) as T
}

async function startReceiver(bench: h.Bench) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'e2e/audit-receiver/main.ts'], {
    env: { ...process.env, NODE_OPTIONS: '', E2E_AUDIT_RECEIVER_PORT: String(RECEIVER_PORT), BENCH_WEBHOOK_SECRET: SECRET },
    stdio: 'ignore',
  })
  bench.defer(() => child.kill('SIGTERM'))
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${RECEIVER}/_audit/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return
    await h.sleep(100)
  }
  throw new Error('the audit receiver did not start')
}

async function login(db: DatabaseHandle['db'], id: string): Promise<void> {
  const input = {
    loginRequestId: id,
    connectionId: 'conn_bench',
    serverKey: 'default',
    stateHash: 'h',
    ttlSeconds: 600,
    ip: null,
    userAgent: null,
  }
  await recordLoginReceived(db, input, Date.now())
  for (const step of STEPS.slice(1)) await db.transaction().execute((trx) => recordLoginEvent(trx, id, step, { code: 'bench' }, Date.now()))
}

function workers(db: DatabaseHandle['db'], count: number, pollMs: number) {
  const made = Array.from(
    { length: count },
    () =>
      new OutboxWorker(db, {
        receivers,
        pollMs,
        timeoutMs: 10_000,
        policy: { baseMs: 100, maxMs: 1000, retryForMs: 3600_000, random: Math.random },
      }),
  )
  made.forEach((w) => w.start())
  return { stop: () => Promise.all(made.map((w) => w.stop())) }
}

async function drained(db: DatabaseHandle['db'], timeoutMs = 300_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (Object.keys(await outboxBacklog(db)).length) {
    if (performance.now() > deadline) throw new Error('the outbox did not drain')
    await h.sleep(20)
  }
}

/** Arrivals checked: every expected event once, each verified; returns them. */
async function arrivals(expected: number) {
  const { accepted, requests } = await receiver<{ accepted: Arrived[]; requests: Array<{ verified: boolean; answer: unknown }> }>('events')
  const problems = []
  if (accepted.length !== expected) problems.push(`${accepted.length} of ${expected} events arrived`)
  if (new Set(accepted.map((e) => e.id)).size !== accepted.length) problems.push('an event arrived twice')
  if (requests.some((r) => !r.verified || r.answer !== 204)) problems.push('a request was refused')
  return { accepted, problems }
}

async function throughput(bench: h.Bench, db: DatabaseHandle['db'], engine: string, workerCount: number, tag: string) {
  await receiver('reset', 'POST')
  const ids = Array.from({ length: FILL_LOGINS }, (_, i) => `lri_${tag}_${workerCount}_${i}`)
  for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => login(db, id)))
  const events = ids.length * STEPS.length
  const started = performance.now()
  const running = workers(db, workerCount, 100)
  await drained(db)
  const seconds = (performance.now() - started) / 1000
  await running.stop()
  const { problems } = await arrivals(events)
  const eventsPerSecond = events / seconds
  bench.log(
    `  ${engine}: ${events} events drained by ${workerCount} worker(s) in ${seconds.toFixed(2)} s: ${eventsPerSecond.toFixed(0)} events/s ${problems.join('; ')}`,
  )
  return { name: `drain ${events} events, ${workerCount} worker(s)`, events, workers: workerCount, seconds, eventsPerSecond, problems }
}

async function lagUnderLoad(bench: h.Bench, db: DatabaseHandle['db'], engine: string) {
  await receiver('reset', 'POST')
  const running = workers(db, 2, POLL_MS)
  const producing: Array<Promise<void>> = []
  const started = performance.now()
  let made = 0
  while (performance.now() - started < LOAD_SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * LOAD_LOGINS_PER_SECOND)
    for (; made < due; made++) producing.push(login(db, `lri_lag_${engine}_${made}`))
    await h.sleep(5)
  }
  await Promise.all(producing)
  await drained(db)
  await running.stop()
  const { accepted, problems } = await arrivals(made * STEPS.length)
  const lag = h.summarize(accepted.map((e) => e.at - Date.parse(e.data.at)))
  bench.log(
    `  ${engine}: ${LOAD_LOGINS_PER_SECOND} logins/s (${LOAD_LOGINS_PER_SECOND * STEPS.length} events/s) for ${LOAD_SECONDS} s, 2 workers polling every ${POLL_MS} ms: lag p50 ${lag.p50} ms, p95 ${lag.p95} ms, max ${lag.max} ms ${problems.join('; ')}`,
  )
  return {
    name: 'lag under load',
    loginsPerSecond: LOAD_LOGINS_PER_SECOND,
    events: made * STEPS.length,
    pollMs: POLL_MS,
    lagMs: lag,
    problems,
  }
}

async function runEngine(bench: h.Bench, engine: 'SQLite' | 'PostgreSQL') {
  const database = await h.engineDatabase(bench, engine, { sqliteName: 'bench-outbox.db', postgresUrl: POSTGRES_URL })
  if ('skipped' in database) return { engine, skipped: database.skipped, ok: true, phases: [] }
  const handle = await openDatabase(database.url)
  await migrateToLatest(handle)
  try {
    const phases = [
      await throughput(bench, handle.db, engine, 1, 'one'),
      await throughput(bench, handle.db, engine, 4, 'four'),
      await lagUnderLoad(bench, handle.db, engine),
    ]
    return { engine, skipped: null, ok: phases.every((p) => p.problems.length === 0), phases }
  } finally {
    await handle.db.destroy()
  }
}

export default async function outbox(bench: h.Bench) {
  const loadAtStart = h.loadAverage()
  setAuditReceivers(receivers)
  await startReceiver(bench)
  const results = []
  for (const engine of ['SQLite', 'PostgreSQL'] as const) {
    const result = await runEngine(bench, engine)
    if (result.skipped) bench.log(`  SKIPPED: ${engine}: ${result.skipped}`)
    results.push(result)
  }
  return { ok: results.every((r) => r.ok), loadAtStart, results }
}
