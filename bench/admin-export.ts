import { performance } from 'node:perf_hooks'
import { Writable } from 'node:stream'
import v8 from 'node:v8'
import vm from 'node:vm'
import type { Kysely } from 'kysely'
import { openDatabase, type Database, type DatabaseHandle } from '../lib/db'
import { exportLedger, loadLedgerPage } from '../lib/ledger/queries'
import { csvLine } from '../lib/ledger/export'
import { round, setting, sleep } from './harness'

// The admin scenario's export, in a child process holding nothing but the database connection (like a server), so its RSS is
// not the seeding's: the last 30 days as CSV into a discarding sink, peak RSS growth over the RSS after a full GC.

export const EXPORT_ROWS = setting('BENCH_ADMIN_EXPORT_ROWS', 100_000, 1000, 1_000_000)
export const EXPORT_TIME_LIMIT_MS = 300_000
const RSS_SAMPLE_MS = 20
const DAY_MS = 24 * 60 * 60 * 1000
const mb = (bytes: number) => round(bytes / 1024 ** 2, 1)

// A full collection before the baseline, without requiring --expose-gc on the command line.
v8.setFlagsFromString('--expose-gc')
const collectGarbage = vm.runInNewContext('gc') as (() => void) | undefined

export type ExportResult = Awaited<ReturnType<typeof measureExport>>

async function measureExport(db: Kysely<Database>, engine: DatabaseHandle['engine']) {
  let bytes = 0
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length
      callback()
    },
  })
  const write = (text: string) => (sink.write(text) ? Promise.resolve() : new Promise<void>((resolve) => sink.once('drain', resolve)))

  collectGarbage?.()
  collectGarbage?.()
  await sleep(200)
  const { rss: baseline, heapTotal: baselineHeapTotal, heapUsed: baselineHeap } = process.memoryUsage()
  let peak = baseline
  let peakHeapTotal = baselineHeapTotal
  let samples = 0
  const sample = () => {
    const memory = process.memoryUsage()
    peak = Math.max(peak, memory.rss)
    peakHeapTotal = Math.max(peakHeapTotal, memory.heapTotal)
    samples += 1
  }
  const timer = setInterval(sample, RSS_SAMPLE_MS)
  const growth = () => mb(peak - baseline)
  /** Peak RSS growth so far when the export had written a quarter, half and all of its rows. */
  const checkpoints: Array<{ rows: number; peakRssGrowthMb: number }> = []
  const marks = [Math.round(EXPORT_ROWS / 4), Math.round(EXPORT_ROWS / 2)]
  const now = Date.now()
  const started = performance.now()
  const deadline = Date.now() + EXPORT_TIME_LIMIT_MS
  let rows = 0
  try {
    let lastSample = performance.now()
    for await (const row of exportLedger(db, { from: now - 30 * DAY_MS }, { now })) {
      await write(csvLine(row))
      rows += 1
      if (rows === marks[checkpoints.length]) {
        sample()
        checkpoints.push({ rows, peakRssGrowthMb: growth() })
      }
      // better-sqlite3 answers synchronously, so on SQLite the loop may never yield to the timer.
      if (performance.now() - lastSample >= RSS_SAMPLE_MS) {
        sample()
        lastSample = performance.now()
      }
      if (rows >= EXPORT_ROWS || (rows % 1000 === 0 && Date.now() > deadline)) break
    }
  } finally {
    clearInterval(timer)
    sample()
  }
  const seconds = (performance.now() - started) / 1000
  sink.end()
  checkpoints.push({ rows, peakRssGrowthMb: growth() })
  // V8's young and old generation sizes (reserved) when the export ended, before the GC that tells what it kept.
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name, mb(space.space_size)]))
  collectGarbage?.()
  collectGarbage?.()
  return {
    /** How exportLedger read the rows (lib/ledger/queries.ts). */
    reads: engine === 'postgres' ? 'server-side cursor' : 'keyset batches',
    nodeFlags: process.execArgv.filter((flag) => flag.startsWith('--max-semi-space-size')),
    rows,
    seconds: round(seconds, 2),
    rowsPerSecond: Math.round(rows / seconds),
    csvMb: mb(bytes),
    baselineRssMb: mb(baseline),
    peakRssGrowthMb: growth(),
    checkpoints,
    /** Heap still in use after a full GC at the end, above the baseline's: what the export kept. */
    retainedHeapMb: mb(process.memoryUsage().heapUsed - baselineHeap),
    heapAtEndMb: { young: spaces.new_space ?? NaN, old: spaces.old_space ?? NaN },
    /** Peak growth of the V8 heap's reserved size (heapTotal), young and old generations together. */
    peakHeapGrowthMb: mb(peakHeapTotal - baselineHeapTotal),
    samples,
  }
}

/** The child's work: connected and warm, as a server is when the request arrives, then the export; one JSON line. */
export async function exportChild(databaseUrl: string): Promise<void> {
  const handle = await openDatabase(databaseUrl)
  try {
    await loadLedgerPage(handle.db, {}, { limit: 1 })
    console.log(JSON.stringify(await measureExport(handle.db, handle.engine)))
  } finally {
    await handle.db.destroy()
  }
}
