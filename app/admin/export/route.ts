import { NextResponse, type NextRequest } from 'next/server'
import { checkAdmin } from '@/lib/admin/access'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { openExportStream } from '@/lib/ledger/export-stream'
import { errorText, logEvent } from '@/lib/server/log'
import { listedServers, readAdminView } from '../filters'
import { refuseExport, unavailable } from '../download-refusals'

// The filtered view as CSV or JSON lines, streamed a chunk of rows at a time
// (lib/ledger/export-stream.ts), so a large export never sits in memory.

export async function GET(request: NextRequest) {
  const check = await checkAdmin()
  if (!check.ok) return refuseExport(check.reason)
  const query = Object.fromEntries(request.nextUrl.searchParams)
  const servers = listedServers().map((server) => server.key)
  const view = readAdminView(query, { searchDays: getEnv().LEDGER_RETENTION_DAYS, servers })
  const format = query.format === 'jsonl' ? 'jsonl' : 'csv'
  let body: ReadableStream<Uint8Array>
  try {
    body = await openExportStream(await getDb(), view.filter, format)
  } catch (error) {
    logEvent('admin_database_unavailable', { error: errorText(error) })
    return unavailable()
  }
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')
  return new NextResponse(body, {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="federated-logins-${stamp}.${format === 'csv' ? 'csv' : 'jsonl'}"`,
      'cache-control': 'no-store',
    },
  })
}
