import { NextResponse } from 'next/server'
import { checkAdmin } from '@/lib/admin/access'
import { openAuditCsvStream } from '@/lib/admin/audit'
import { getDb } from '@/lib/db/client'
import { errorText, logEvent } from '@/lib/server/log'
import { refuseExport, unavailable } from '../../download-refusals'

// The admin audit log as CSV, newest first, streamed a chunk of rows at a time. The cells are
// escaped as the ledger export's are (lib/ledger/export.ts csvCell): quoted, formulas made inert.

export async function GET() {
  const check = await checkAdmin()
  if (!check.ok) return refuseExport(check.reason)
  let body: ReadableStream<Uint8Array>
  try {
    body = await openAuditCsvStream(await getDb())
  } catch (error) {
    logEvent('admin_database_unavailable', { error: errorText(error) })
    return unavailable()
  }
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')
  return new NextResponse(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="admin-actions-${stamp}.csv"`,
      'cache-control': 'no-store',
    },
  })
}
