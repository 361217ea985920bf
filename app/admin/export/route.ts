import { NextResponse, type NextRequest } from 'next/server'
import { checkAdmin, ADMIN_SIGN_IN_PATH } from '@/lib/admin/access'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { exportLedger } from '@/lib/ledger/queries'
import { type LedgerExportRow } from '@/lib/ledger/filter'
import { errorText, logEvent } from '@/lib/server/log'
import { CSV_HEADER, csvLine, jsonLine } from '@/lib/ledger/export'
import { listedServers, readAdminView } from '../filters'

// The filtered view as CSV or JSON lines, streamed row batch by row batch, so a large export
// never sits in memory.

function unavailable() {
  return new NextResponse('Service unavailable: the ledger database cannot be reached. Try again in a moment.\n', {
    status: 503,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5', 'cache-control': 'no-store' },
  })
}

/** The rows as a stream, read a chunk at a time: the stream asks again only once the client has read. */
function streamRows(rows: AsyncIterator<LedgerExportRow>, first: IteratorResult<LedgerExportRow>, format: 'csv' | 'jsonl') {
  let pending: IteratorResult<LedgerExportRow> | undefined = first
  const nextRow = () => {
    const row = pending
    pending = undefined
    return row ? Promise.resolve(row) : rows.next()
  }
  const encoder = new TextEncoder()
  let headerSent = false

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent && format === 'csv') {
        headerSent = true
        controller.enqueue(encoder.encode(CSV_HEADER))
        return
      }
      // One pull, a chunk of rows: the stream asks again only when the client has read them.
      let chunk = ''
      for (let i = 0; i < 200; i += 1) {
        const next = await nextRow()
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk))
          controller.close()
          return
        }
        chunk += format === 'csv' ? csvLine(next.value) : jsonLine(next.value)
      }
      controller.enqueue(encoder.encode(chunk))
    },
    async cancel() {
      await rows.return?.()
    },
  })
}

function refuse(reason: 'signed_out' | 'forbidden' | 'unavailable') {
  if (reason === 'signed_out') return NextResponse.redirect(new URL(ADMIN_SIGN_IN_PATH, getEnv().APP_URL), 303)
  if (reason === 'unavailable') return unavailable()
  return new NextResponse('Forbidden: you are not an administrator of this sign-in service.\n', {
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  })
}

export async function GET(request: NextRequest) {
  const check = await checkAdmin()
  if (!check.ok) return refuse(check.reason)
  const query = Object.fromEntries(request.nextUrl.searchParams)
  const servers = listedServers().map((server) => server.key)
  const view = readAdminView(query, { searchDays: getEnv().LEDGER_RETENTION_DAYS, servers })
  const format = query.format === 'jsonl' ? 'jsonl' : 'csv'
  // The first batch is read before answering, so a database that is down gives a 503, not a
  // 200 with a cut-off file.
  let rows: AsyncIterator<LedgerExportRow>
  let first: IteratorResult<LedgerExportRow>
  try {
    rows = exportLedger(await getDb(), view.filter)[Symbol.asyncIterator]()
    first = await rows.next()
  } catch (error) {
    logEvent('admin_database_unavailable', { error: errorText(error) })
    return unavailable()
  }
  const body = streamRows(rows, first, format)
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')
  return new NextResponse(body, {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="federated-logins-${stamp}.${format === 'csv' ? 'csv' : 'jsonl'}"`,
      'cache-control': 'no-store',
    },
  })
}
