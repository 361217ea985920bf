import type { LedgerListItem } from './filter'

// The ledger export's two formats, one row at a time.

const COLUMNS = [
  ['login_request_id', (r: ExportRow) => r.id],
  ['status', (r: ExportRow) => r.status],
  ['server', (r: ExportRow) => r.serverKey],
  ['created_at', (r: ExportRow) => iso(r.createdAt)],
  ['signed_in_at', (r: ExportRow) => iso(r.signedInAt)],
  ['submitted_at', (r: ExportRow) => iso(r.submittedAt)],
  ['finished_at', (r: ExportRow) => iso(r.finishedAt)],
  ['identity_source', (r: ExportRow) => r.identitySource],
  ['user_email', (r: ExportRow) => r.userEmail],
  ['user_sub', (r: ExportRow) => r.userSub],
  ['auth_request_id', (r: ExportRow) => r.authRequestId],
  ['error_code', (r: ExportRow) => r.errorCode],
  ['error_message', (r: ExportRow) => r.errorMessage],
  ['ip', (r: ExportRow) => r.ip],
  ['user_agent', (r: ExportRow) => r.userAgent],
  ['claims', (r: ExportRow) => (r.claims === null ? null : JSON.stringify(r.claims))],
  // Added after the first release: last, so that readers of the earlier columns by position go on working.
  ['auth_methods', (r: ExportRow) => r.authMethods],
] as const

export type ExportRow = LedgerListItem & { claims: unknown | null }

function iso(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString()
}

/**
 * Every cell quoted (RFC 4180), and a ' before anything a spreadsheet could run as a formula: at
 * the start of the cell, and after each `;`, `,` or tab, where spreadsheets of locales that split
 * on them start a new cell. Visitors write some cells (the user agent), so none is trusted.
 */
export function csvCell(value: string | null): string {
  if (value === null) return '""'
  const safe = value.replace(/^[\t\r]/, "'$&").replace(/(^|[;,\t])([=+\-@])/g, "$1'$2")
  return `"${safe.replace(/"/g, '""')}"`
}

export function csvLine(row: ExportRow): string {
  return `${COLUMNS.map(([, read]) => csvCell(read(row))).join(',')}\r\n`
}

export function jsonLine(row: ExportRow): string {
  return `${JSON.stringify(Object.fromEntries(COLUMNS.map(([name, read]) => [name, name === 'claims' ? row.claims : read(row)])))}\n`
}

export const CSV_HEADER = `${COLUMNS.map(([name]) => name).join(',')}\r\n`
