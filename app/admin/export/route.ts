import { NextResponse, type NextRequest } from 'next/server'
import { checkAdmin, ADMIN_SIGN_IN_PATH } from '@/lib/admin'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { exportLedger } from '@/lib/admin-ledger'
import { CSV_HEADER, csvLine, jsonLine } from '@/lib/ledger-export'
import { readAdminView } from '../filters'

// The filtered view as CSV or JSON lines, streamed row batch by row batch, so a large export
// never sits in memory.

export async function GET(request: NextRequest) {
  const check = await checkAdmin()
  if (!check.ok) {
    if (check.reason === 'signed_out') return NextResponse.redirect(new URL(ADMIN_SIGN_IN_PATH, getEnv().APP_URL), 303)
    return new NextResponse('Forbidden: you are not an administrator of this sign-in service.\n', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } })
  }
  const query = Object.fromEntries(request.nextUrl.searchParams)
  const view = readAdminView(query, { searchDays: getEnv().LEDGER_RETENTION_DAYS })
  const format = query.format === 'jsonl' ? 'jsonl' : 'csv'
  const db = await getDb()
  const rows = exportLedger(db, view.filter)[Symbol.asyncIterator]()
  const encoder = new TextEncoder()
  let headerSent = false

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent && format === 'csv') {
        headerSent = true
        controller.enqueue(encoder.encode(CSV_HEADER))
        return
      }
      // One pull, a chunk of rows: the stream asks again only when the client has read them.
      let chunk = ''
      for (let i = 0; i < 200; i += 1) {
        const next = await rows.next()
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
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')
  return new NextResponse(body, {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="federated-logins-${stamp}.${format === 'csv' ? 'csv' : 'jsonl'}"`,
      'cache-control': 'no-store',
    },
  })
}
