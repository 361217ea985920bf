import { checkAdmin } from '@/lib/admin/access'
import { openAuditCsvStream } from '@/lib/admin/audit'
import { getDb } from '@/lib/db/client'
import { download, refuseExport } from '../../downloads'

// The admin audit log as CSV, newest first, streamed a chunk of rows at a time. The cells are
// escaped as the ledger export's are (lib/ledger/export.ts csvCell): quoted, formulas made inert.

export async function GET() {
  const check = await checkAdmin()
  if (!check.ok) return refuseExport(check.reason)
  return download(async () => openAuditCsvStream(await getDb()), { name: 'admin-actions', extension: 'csv' })
}
