import type { NextRequest } from 'next/server'
import { checkAdmin } from '@/lib/admin/access'
import { getDb } from '@/lib/db/client'
import { getEnv } from '@/lib/env'
import { openExportStream } from '@/lib/ledger/export-stream'
import { listedServers, readAdminView } from '../filters'
import { download, refuseExport } from '../downloads'

// The filtered view as CSV or JSON lines, streamed a chunk of rows at a time
// (lib/ledger/export-stream.ts), so a large export never sits in memory.

export async function GET(request: NextRequest) {
  const check = await checkAdmin()
  if (!check.ok) return refuseExport(check.reason)
  const query = Object.fromEntries(request.nextUrl.searchParams)
  const servers = listedServers().map((server) => server.key)
  const view = readAdminView(query, { searchDays: getEnv().LEDGER_RETENTION_DAYS, zone: getEnv().DISPLAY_TIME_ZONE, servers })
  const format = query.format === 'jsonl' ? 'jsonl' : 'csv'
  return download(async () => openExportStream(await getDb(), view.filter, format), { name: 'federated-logins', extension: format })
}
