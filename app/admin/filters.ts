import { LEDGER_STATUSES, decodeCursor, type LedgerCursor, type LedgerFilter, type LedgerStatus } from '@/lib/ledger/filter'

// The admin list's filters live in the URL, so a view can be shared: read them once, the same way
// for the page and the export, and write them back into links.

type Query = Record<string, string | string[] | undefined>

const DAY_MS = 24 * 60 * 60 * 1000

function first(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined
}

/** A YYYY-MM-DD date as the start of that day in UTC. */
function parseDay(value: string | undefined): number | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined
  const time = Date.parse(`${value}T00:00:00Z`)
  return Number.isNaN(time) ? undefined : time
}

export interface AdminView {
  filter: LedgerFilter
  after: LedgerCursor | null
  /** The form's values, as typed. */
  values: { status: string; source: string; from: string; to: string; q: string }
}

/**
 * Without dates the list shows the last 7 days; a search without dates looks through the whole
 * kept ledger (`searchDays`, LEDGER_RETENTION_DAYS), so an older authRequestId is still found.
 */
export function readAdminView(query: Query, options: { searchDays: number; now?: number }): AdminView {
  const status = first(query.status)
  const source = first(query.source)?.slice(0, 64)
  const fromDay = first(query.from)
  const toDay = first(query.to)
  const q = first(query.q)?.slice(0, 320)
  const from = parseDay(fromDay)
  const toStart = parseDay(toDay)
  const searchFrom =
    q && from === undefined && toStart === undefined ? (options.now ?? Date.now()) - options.searchDays * DAY_MS : undefined
  const filter: LedgerFilter = {
    status: LEDGER_STATUSES.includes(status as LedgerStatus) ? (status as LedgerStatus) : undefined,
    source,
    from: from ?? searchFrom,
    // The "to" day is included: the range ends at the start of the next day.
    to: toStart === undefined ? undefined : toStart + DAY_MS,
    q,
  }
  return {
    filter,
    after: decodeCursor(first(query.after)),
    values: {
      status: filter.status ?? '',
      source: source ?? '',
      from: from === undefined ? '' : fromDay!,
      to: toStart === undefined ? '' : toDay!,
      q: q ?? '',
    },
  }
}

/** The view's filters as a query string (without the cursor), plus any extra parameters. */
export function viewQuery(view: AdminView, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(view.values)) if (value) params.set(key, value)
  for (const [key, value] of Object.entries(extra)) params.set(key, value)
  const text = params.toString()
  return text ? `?${text}` : ''
}
