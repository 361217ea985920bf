import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { CompiledQuery, type Kysely } from 'kysely'
import { migrateToLatest, openDatabase, type Database, type DatabaseHandle } from '../../lib/db'
import { getLedgerEntry, listLedgerSources, loadLedgerPage } from '../../lib/ledger/queries'
import type { LedgerCursor } from '../../lib/ledger/filter'
import { seedLedger } from '../../e2e/tools/seed-ledger'
import { EXPORT_ROWS, EXPORT_TIME_LIMIT_MS, exportChild, type ExportResult } from '../admin-export'
import { exitWhenDone, freshPostgres, loadAverage, orElse, ROOT, setting, summarize, type Bench } from '../harness'

// The admin ledger on a million login requests (`npm run bench:admin`; docs/benchmarks.md), on SQLite and PostgreSQL: the
// in-process time of the queries /admin makes (the plans of a case missing p95 <= 50 ms recorded) and the export's peak RSS
// growth (target <= 50 MB). Missed targets are reported, not failures.

const ROWS = setting('BENCH_ADMIN_ROWS', 1_000_000, 1000, 5_000_000)
const DAYS = 90
const USERS = 5000
const RUNS = setting('BENCH_ADMIN_RUNS', 50, 5, 1000)
const WARMUP = setting('BENCH_ADMIN_WARMUP', 5, 0, 100)
const EXPORT_RUNS = setting('BENCH_ADMIN_EXPORT_RUNS', 3, 1, 10)
const CASE_TIME_LIMIT_MS = 60_000
const CAPPED_YOUNG_GENERATION = '--max-semi-space-size=4'
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const PG_DATABASE = 'bridge_bench_admin'
const TARGET_P95_MS = 50
const TARGET_EXPORT_MB = 50
const DAY_MS = 24 * 60 * 60 * 1000
/**
 * BENCH_ADMIN_SERVERS=docs,billing,crm: the ledger spread over these MCP servers, every page query
 * also counting per server (as /admin does with MCP_SERVERS), and a case filtering on one of them.
 */
const SERVERS = (process.env.BENCH_ADMIN_SERVERS ?? '')
  .split(',')
  .map((key) => key.trim())
  .filter(Boolean)

type Engine = DatabaseHandle['engine']
type Run = (db: Kysely<Database>, i: number) => Promise<unknown>

/** A fresh database for one engine, removed at the end; a reason instead when PostgreSQL is not there. */
async function scratchDatabase(bench: Bench, engine: Engine): Promise<{ url: string; remove(): Promise<void> } | string> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-admin-'))
    return { url: `file:${path.join(dir, 'ledger.db')}`, remove: bench.defer(() => fs.rmSync(dir, { recursive: true, force: true })) }
  }
  const postgres = await freshPostgres(POSTGRES_URL, PG_DATABASE)
  if (typeof postgres === 'string' && process.env.REQUIRE_POSTGRES === '1')
    throw new Error(`${postgres}; REQUIRE_POSTGRES=1 makes this a failure`)
  return typeof postgres === 'string' ? postgres : { url: postgres.url, remove: bench.defer(postgres.drop) }
}

/** The plans of every query a call compiles, for a case that missed its target. */
async function plansOf(handle: DatabaseHandle, run: (db: Kysely<Database>) => Promise<unknown>): Promise<string[]> {
  const compiled: CompiledQuery[] = []
  const spy = handle.db.withPlugin({
    transformQuery(args) {
      compiled.push(handle.db.getExecutor().compileQuery(args.node, args.queryId))
      return args.node
    },
    transformResult: async (args) => args.result,
  })
  await run(spy)
  const plans: string[] = []
  for (const query of compiled) {
    const prefix = handle.engine === 'sqlite' ? 'explain query plan ' : 'explain (analyze, costs off, buffers off) '
    try {
      const result = await handle.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + query.sql, [...query.parameters]))
      const lines = result.rows.map((row) => String(handle.engine === 'sqlite' ? row.detail : row['QUERY PLAN']))
      plans.push(`${query.sql.replace(/\s+/g, ' ').slice(0, 160)}...\n${lines.map((line) => `  ${line}`).join('\n')}`)
    } catch {
      // A subquery compiled on its own (a correlated count) cannot be explained alone.
    }
  }
  return plans
}

/** One case: WARMUP runs, then RUNS timed ones (or CASE_TIME_LIMIT_MS in all), and its plans when it misses the target. */
async function timeCase(bench: Bench, handle: DatabaseHandle, label: string, detail: string, run: Run, target = true) {
  const deadline = Date.now() + CASE_TIME_LIMIT_MS
  for (let i = 0; i < WARMUP && Date.now() < deadline; i += 1) await run(handle.db, i)
  const samples: number[] = []
  for (let i = 0; i < RUNS && Date.now() < deadline; i += 1) {
    const started = performance.now()
    await run(handle.db, i)
    samples.push(performance.now() - started)
  }
  const ms = summarize(samples)
  const missed = target && !(ms.p95 <= TARGET_P95_MS)
  const plans = missed ? await plansOf(handle, (db) => run(db, 0)) : []
  bench.log(
    `  ${label.padEnd(34)} p50 ${ms.p50.toFixed(2)} ms  p95 ${ms.p95.toFixed(2)} ms  p99 ${ms.p99.toFixed(2)} ms${missed ? '  (target missed)' : ''}`,
  )
  for (const plan of plans) bench.log(plan.replace(/^/gm, '    '))
  const runs = samples.length
  return { label, detail, ...ms, runs, warmup: WARMUP, timeLimited: runs < RUNS, targetMet: target ? !missed : null, plans }
}

/** The export in a child process of its own (this file with --export-child); this process waits, idle. */
function exportInChild(databaseUrl: string, nodeFlags: string[] = []): ExportResult {
  const args = [...nodeFlags, '--conditions=react-server', '--import', 'tsx', __filename, '--export-child', databaseUrl]
  const env = { ...process.env, NODE_OPTIONS: '' }
  const options = { cwd: ROOT, env, encoding: 'utf8', timeout: EXPORT_TIME_LIMIT_MS + 60_000, killSignal: 'SIGKILL' } as const
  const child = spawnSync(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'inherit'] })
  if (child.status !== 0) throw new Error(`the export child exited with ${child.status ?? child.signal}: ${child.stdout.slice(-500)}`)
  const result: ExportResult | undefined = orElse(() => JSON.parse(child.stdout.trim().split('\n').pop() ?? ''), undefined)
  if (result === undefined) throw new Error(`the export child printed no result: ${child.stdout.slice(-500)}`)
  return result
}

/** GC timing varies from run to run: each export runs EXPORT_RUNS times, and the worst run counts. */
function runExports(bench: Bench, url: string, flags: string[]) {
  const runs: ExportResult[] = []
  for (let i = 0; i < EXPORT_RUNS; i += 1) {
    const e = exportInChild(url, flags)
    runs.push(e)
    bench.log(
      `  export${flags.length ? ` (${flags.join(' ')})` : ''}, ${e.reads}: ${e.rows} rows (${e.csvMb} MB of CSV) in ${e.seconds} s, ${e.rowsPerSecond} rows/s; peak RSS +${e.peakRssGrowthMb} MB over ${e.baselineRssMb} MB`,
    )
  }
  const worstRun = runs.reduce((a, b) => (b.peakRssGrowthMb > a.peakRssGrowthMb ? b : a))
  const peakRssGrowthMbPerRun = runs.map((run) => run.peakRssGrowthMb)
  return { flags, worstRun, peakRssGrowthMbPerRun, targetMet: worstRun.peakRssGrowthMb <= TARGET_EXPORT_MB }
}

async function benchEngine(bench: Bench, engine: Engine, scratch: { url: string; remove(): Promise<void> }) {
  const handle = await openDatabase(scratch.url)
  const close = bench.defer(() => handle.db.destroy())
  await migrateToLatest(handle)
  bench.log(`  seeding ${ROWS.toLocaleString('en-US')} login requests over ${DAYS} days...`)
  let reported = 0
  const onProgress = (done: number, total: number) => {
    if (done - reported >= total / 5 || done === total) bench.log(`    ${(reported = done)} / ${total}`)
  }
  const options = {
    rows: ROWS,
    days: DAYS,
    users: USERS,
    seed: 1,
    now: Date.now(),
    onProgress,
    ...(SERVERS.length ? { servers: SERVERS } : {}),
  }
  const { people, sampleIds, ...seed } = await seedLedger(handle, options)
  bench.log(`  seeded ${seed.loginRequests} requests and ${seed.events} events in ${seed.seconds.toFixed(1)} s`)
  if (engine === 'postgres') await handle.db.executeQuery(CompiledQuery.raw('vacuum analyze'))

  const raw = async (query: string) => String((await handle.db.executeQuery<{ v: string }>(CompiledQuery.raw(query))).rows[0]?.v)
  const version =
    engine === 'sqlite' ? `SQLite ${await raw('select sqlite_version() as v')}` : (await raw('select version() as v')).replace(/ on .*/, '')
  const loginRequests = Number(await raw('select count(*) as v from login_requests'))
  const events = Number(await raw('select count(*) as v from login_events'))
  const counted = SERVERS.length ? { servers: SERVERS } : {}
  const firstPage = await loadLedgerPage(handle.db, {}, counted)
  const inRange = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0)

  // A real person's address, as an admin would type it: the name part of a recent sign-in.
  const emailPrefix = (firstPage.items.find((item) => item.userEmail)?.userEmail ?? people[0]!.email).replace(/\d*@.*$/, '')
  const threeDaysFrom = Math.floor((Date.now() - 5 * DAY_MS) / DAY_MS) * DAY_MS
  const failedFilter = { status: 'failed' as const, from: threeDaysFrom, to: threeDaysFrom + 3 * DAY_MS }
  // The cursor of page 50, or of the last page when a small ledger (BENCH_ADMIN_ROWS) has fewer.
  let cursor: LedgerCursor | null = null
  let deepPage = 1
  for (; deepPage < 50; deepPage += 1) {
    const result: Awaited<ReturnType<typeof loadLedgerPage>> = await loadLedgerPage(handle.db, {}, { after: cursor, ...counted })
    if (!result.next) break
    cursor = result.next
  }
  const deepCursor = cursor
  const [failedCount, searchCount] = await Promise.all([
    loadLedgerPage(handle.db, failedFilter).then((page) => page.counts.failed),
    loadLedgerPage(handle.db, { q: emailPrefix }).then((page) => inRange(page.counts)),
  ])
  const day = (time: number) => new Date(time).toISOString().slice(0, 10)
  const time = timeCase.bind(null, bench, handle)
  const failedDetail = `${day(failedFilter.from)} to ${day(failedFilter.to - 1)}, ${failedCount} failed`
  const searchDetail = `q="${emailPrefix}", ${searchCount} matches in 7 days`
  const deepDetail = `rows ${(deepPage - 1) * 50 + 1}-${deepPage * 50} of the default view`
  const entryDetail = `${sampleIds.length} ids across the 90 days, in turn`
  const inRangeDetail = `${inRange(firstPage.counts)} rows in range${SERVERS.length ? `, counted over ${SERVERS.length} servers` : ''}`
  const server = SERVERS[SERVERS.length > 1 ? 1 : 0]
  const serverDetail = `server=${server}, ${firstPage.serverCounts[server ?? ''] ?? 0} rows in 7 days, chart per server`
  const cases = {
    firstPage: await time('(1) first page, last 7 days', inRangeDetail, (db) => loadLedgerPage(db, {}, counted)),
    failedThreeDays: await time('(2) status=failed, 3 days', failedDetail, (db) => loadLedgerPage(db, failedFilter, counted)),
    emailSearch: await time('(3) search by email prefix', searchDetail, (db) => loadLedgerPage(db, { q: emailPrefix }, counted)),
    page50: await time(`(4) page ${deepPage} via the cursor`, deepDetail, (db) =>
      loadLedgerPage(db, {}, { after: deepCursor, ...counted }),
    ),
    entry: await time('(5) getLedgerEntry', entryDetail, (db, i) => getLedgerEntry(db, sampleIds[i % sampleIds.length]!)),
    sources: await time('(6) listLedgerSources', "the source filter's options", (db) => listLedgerSources(db), false),
    ...(server
      ? {
          server: await time('(7) one server, split by server', serverDetail, (db) =>
            loadLedgerPage(db, { server }, { servers: SERVERS, split: 'server' }),
          ),
        }
      : {}),
  }
  bench.log(`  export: up to ${EXPORT_ROWS} rows as CSV into a discarding sink, in a child process...`)
  const exported = runExports(bench, scratch.url, [])
  const exportCappedYoungGeneration = runExports(bench, scratch.url, [CAPPED_YOUNG_GENERATION])
  await close()
  await scratch.remove()
  const targetsMet = Object.values(cases).every((c) => c.targetMet !== false) && exported.targetMet
  const lastWeek = firstPage.counts
  return { engine, version, loginRequests, events, seed, lastWeek, targetsMet, cases, export: exported, exportCappedYoungGeneration }
}

export default async function admin(bench: Bench) {
  const loadAtStart = loadAverage()
  bench.log(`${ROWS.toLocaleString('en-US')} login requests per engine, ${RUNS} runs per case after ${WARMUP} warm-up`)
  const scratches = { sqlite: await scratchDatabase(bench, 'sqlite'), postgres: await scratchDatabase(bench, 'postgres') }
  const postgresSkipped = typeof scratches.postgres === 'string' ? scratches.postgres : null
  if (postgresSkipped) bench.log(`SKIPPED: PostgreSQL: ${postgresSkipped} (REQUIRE_POSTGRES=1 makes this a failure)`)
  const engines = []
  for (const [engine, scratch] of Object.entries(scratches) as Array<[Engine, (typeof scratches)['sqlite']]>) {
    if (typeof scratch === 'string') continue
    bench.log(`${engine}:`)
    engines.push(await benchEngine(bench, engine, scratch))
  }
  const targets = { p95Ms: TARGET_P95_MS, exportPeakRssGrowthMb: TARGET_EXPORT_MB }
  const load = { start: loadAtStart, end: loadAverage() }
  return { ok: true, targetsMet: engines.every((e) => e.targetsMet), targets, postgresSkipped, load, engines }
}

if (process.argv[2] === '--export-child') exitWhenDone(exportChild(process.argv[3] ?? ''), 'bench admin export')
