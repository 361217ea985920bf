import 'server-only'
import { CSV_HEADER, csvLine, jsonLine } from './export'
import { exportLedger } from './queries'
import type { Db, LedgerExportRow, LedgerFilter } from './filter'

// The export as a response body: CSV or JSON lines, a chunk of rows each time the client has read
// the last one, so a large export never sits in memory. On PostgreSQL the rows come from a cursor
// that holds a pooled connection (lib/ledger/queries.ts): every way the download can end gives it
// back, the last row, the client going away (cancel), an error, or a client that stops reading.

export type ExportFormat = 'csv' | 'jsonl'

const ROWS_PER_CHUNK = 200
/** A client that reads nothing of the export for this long loses it, and its connection goes back to the pool. */
const EXPORT_IDLE_MS = 60_000

interface ExportStreamOptions {
  now?: number
  batchSize?: number
  idleMs?: number
}

/**
 * The export of `filter`. The first row is read before this resolves, so a database that is down
 * rejects here (the route answers 503), not with a 200 and a cut-off file.
 */
export async function openExportStream(
  db: Db,
  filter: LedgerFilter,
  format: ExportFormat,
  options: ExportStreamOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const rows = exportLedger(db, filter, options)
  const first = await rows.next()
  return rowStream(rows, first, format, options.idleMs ?? EXPORT_IDLE_MS)
}

function rowStream(
  rows: AsyncGenerator<LedgerExportRow, void, undefined>,
  first: IteratorResult<LedgerExportRow, void>,
  format: ExportFormat,
  idleMs: number,
): ReadableStream<Uint8Array> {
  let pending: IteratorResult<LedgerExportRow, void> | undefined = first
  const nextRow = () => {
    const row = pending
    pending = undefined
    return row ? Promise.resolve(row) : rows.next()
  }
  const line = format === 'csv' ? csvLine : jsonLine
  const encoder = new TextEncoder()
  let text = format === 'csv' ? CSV_HEADER : ''
  let idle: ReturnType<typeof setTimeout> | undefined
  // Ends the rows (the cursor closes, the connection goes back); a second call does nothing.
  const stop = () => rows.return(undefined).catch(() => undefined)

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      clearTimeout(idle)
      try {
        for (let i = 0; i < ROWS_PER_CHUNK; i += 1) {
          const next = await nextRow()
          if (next.done) {
            if (text) controller.enqueue(encoder.encode(text))
            controller.close()
            return
          }
          text += line(next.value)
        }
      } catch (error) {
        await stop()
        throw error
      }
      controller.enqueue(encoder.encode(text))
      text = ''
      // The stream pulls again as soon as the client has read this chunk.
      idle = setTimeout(() => {
        controller.error(new Error(`the client read nothing of the export for ${idleMs} ms`))
        void stop()
      }, idleMs)
    },
    async cancel() {
      clearTimeout(idle)
      await stop()
    },
  })
}
