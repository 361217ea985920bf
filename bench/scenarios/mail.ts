import { performance } from 'node:perf_hooks'
import { openDatabase, migrateToLatest, type DatabaseHandle } from '../../lib/db'
import { parseEnv } from '../../lib/env'
import { newUserRow } from '../../lib/users/directory'
import { enqueueMail } from '../../lib/mail/outbox'
import { MailWorker } from '../../lib/mail/worker'
import { MAIL_COMPOSERS } from '../../lib/mail/composers'
import { mailHealth } from '../../lib/mail/status'
import { startMailCatcher, type MailCatcher } from '../../e2e/mail-catcher/catcher'
import * as h from '../harness'

// Email (`npm run bench:mail`): what asking for a message costs a request (one outbox insert: the
// forgot-password form's whole mail work), and how fast the worker drains a filled outbox with one
// and with four workers, through the real password-reset composer (a token issued per message, the
// template rendered in the person's language) and real SMTP to an in-process smtp-server, on SQLite
// then PostgreSQL. Fails when a message is lost or arrives twice.

const MESSAGES = h.setting('MAIL_BENCH_MESSAGES', 500, 10, 100_000)
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/bridge_bench_mail'

function benchEnv(catcher: MailCatcher) {
  return parseEnv({
    APP_URL: 'https://login.bench.example',
    SCALEKIT_ENVIRONMENT_URL: 'https://bench.scalekit.dev',
    SCALEKIT_CLIENT_ID: 'skc_bench',
    SCALEKIT_CLIENT_SECRET: 'bench-secret',
    SCALEKIT_CONNECTION_ID: 'conn_bench',
    SESSION_SECRET: 'x'.repeat(32),
    AUTH_SECRET: 'y'.repeat(32),
    SMTP_URL: `smtp://127.0.0.1:${catcher.smtpPort}`,
    MAIL_FROM: 'Bench Login <login@bench.example>',
    MAIL_POLL_INTERVAL_MS: '50',
  })
}

/** MESSAGES users with one shared password hash (one argon2 run, not hundreds). */
async function addUsers(db: DatabaseHandle['db'], tag: string): Promise<string[]> {
  const template = await newUserRow({ email: 'template@bench.example', name: 'Bench', password: 'bench-password-1' })
  const emails = Array.from({ length: MESSAGES }, (_, i) => `mail-${tag}-${i}@bench.example`)
  for (let i = 0; i < emails.length; i += 200) {
    const rows = emails.slice(i, i + 200).map((email, j) => ({ ...template, id: `u_${tag}_${i + j}`, email }))
    await db.insertInto('users').values(rows).execute()
  }
  return emails
}

async function drain(bench: h.Bench, db: DatabaseHandle['db'], catcher: MailCatcher, engine: string, workerCount: number) {
  const tag = `${engine.toLowerCase()}-${workerCount}`
  const emails = await addUsers(db, tag)
  const enqueueMs: number[] = []
  for (const toEmail of emails) {
    const started = performance.now()
    await enqueueMail(db, { kind: 'password_reset', toEmail, locale: 'de', lifetimeMs: 3600_000 })
    enqueueMs.push(performance.now() - started)
  }
  const env = benchEnv(catcher)
  const workers = Array.from({ length: workerCount }, () => new MailWorker(db, env, env.mail!, { composers: MAIL_COMPOSERS }))
  const before = catcher.messages.length
  const started = performance.now()
  workers.forEach((w) => w.start())
  while ((await mailHealth(db)).pending > 0) await h.sleep(20)
  const seconds = (performance.now() - started) / 1000
  await Promise.all(workers.map((w) => w.stop()))
  const arrived = catcher.messages.slice(before).flatMap((m) => m.to)
  const problems = []
  if (arrived.length !== emails.length) problems.push(`${arrived.length} of ${emails.length} messages arrived`)
  if (new Set(arrived).size !== arrived.length) problems.push('a message arrived twice')
  const enqueue = h.summarize(enqueueMs)
  bench.log(
    `  ${engine}: enqueue p50 ${enqueue.p50.toFixed(2)} ms, p95 ${enqueue.p95.toFixed(2)} ms; ${emails.length} messages sent by ${workerCount} worker(s) in ${seconds.toFixed(2)} s: ${(emails.length / seconds).toFixed(0)} messages/s ${problems.join('; ')}`,
  )
  return {
    name: `send ${emails.length} resets, ${workerCount} worker(s)`,
    workers: workerCount,
    enqueueMs: enqueue,
    seconds,
    messagesPerSecond: emails.length / seconds,
    problems,
  }
}

async function runEngine(bench: h.Bench, catcher: MailCatcher, engine: 'SQLite' | 'PostgreSQL') {
  const database = await h.engineDatabase(bench, engine, { sqliteName: 'bench-mail.db', postgresUrl: POSTGRES_URL })
  if ('skipped' in database) return { engine, skipped: database.skipped, ok: true, phases: [] }
  const handle = await openDatabase(database.url)
  await migrateToLatest(handle)
  try {
    const phases = [await drain(bench, handle.db, catcher, engine, 1), await drain(bench, handle.db, catcher, engine, 4)]
    return { engine, skipped: null, ok: phases.every((p) => p.problems.length === 0), phases }
  } finally {
    await handle.db.destroy()
  }
}

export default async function mail(bench: h.Bench) {
  const loadAtStart = h.loadAverage()
  const catcher = await startMailCatcher({ smtpPort: 0 })
  bench.defer(() => catcher.close())
  const results = []
  for (const engine of ['SQLite', 'PostgreSQL'] as const) {
    const result = await runEngine(bench, catcher, engine)
    if (result.skipped) bench.log(`  SKIPPED: ${engine}: ${result.skipped}`)
    results.push(result)
  }
  return { ok: results.every((r) => r.ok), loadAtStart, messages: MESSAGES, results }
}
