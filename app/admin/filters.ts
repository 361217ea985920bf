import { getEnv } from '@/lib/env'
import type { McpServer } from '@/lib/servers/config'
import {
  LEDGER_SPLITS,
  LEDGER_STATUSES,
  decodeCursor,
  type LedgerCursor,
  type LedgerFilter,
  type LedgerSplit,
  type LedgerStatus,
} from '@/lib/ledger/filter'
import { parseDay } from '@/lib/ledger/days'

// The admin list's filters live in the URL, so a view can be shared: read them once, the same way
// for the page and the export, and write them back into links.

type Query = Record<string, string | string[] | undefined>

const DAY_MS = 24 * 60 * 60 * 1000

function first(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined
}

/** The value when it is one of `allowed`, else undefined. */
function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : undefined
}

export interface AdminView {
  filter: LedgerFilter
  after: LedgerCursor | null
  /** What the chart splits by: `server` only when asked for and there are servers to split by. */
  split: LedgerSplit
  /** The form's values, as typed. */
  values: { status: string; source: string; server: string; from: string; to: string; q: string; reported: string; split: string }
}

/**
 * Without dates the list shows the last 7 days; a search without dates looks through the whole
 * kept ledger (`searchDays`, LEDGER_RETENTION_DAYS), so an older authRequestId is still found.
 * `servers` are the configured servers' keys: the only values the server filter takes.
 */
export function readAdminView(
  query: Query,
  options: { searchDays: number; servers: readonly string[]; zone?: string; now?: number },
): AdminView {
  const source = first(query.source)?.slice(0, 64)
  const fromDay = first(query.from)
  const toDay = first(query.to)
  const q = first(query.q)?.slice(0, 320)
  const from = parseDay(fromDay, options.zone)?.start
  const toEnd = parseDay(toDay, options.zone)?.end
  const searchFrom = q && from === undefined && toEnd === undefined ? (options.now ?? Date.now()) - options.searchDays * DAY_MS : undefined
  const filter: LedgerFilter = {
    status: oneOf<LedgerStatus>(first(query.status), LEDGER_STATUSES),
    source,
    server: oneOf(first(query.server), options.servers),
    from: from ?? searchFrom,
    // The "to" day is included: the range ends at the start of the next day.
    to: toEnd,
    q,
    reported: first(query.reported) === '1' || undefined,
  }
  const asked = oneOf<LedgerSplit>(first(query.split), LEDGER_SPLITS)
  const split: LedgerSplit = asked === 'server' && options.servers.length > 0 ? 'server' : 'status'
  return {
    filter,
    after: decodeCursor(first(query.after)),
    split,
    values: {
      status: filter.status ?? '',
      source: source ?? '',
      server: filter.server ?? '',
      from: from === undefined ? '' : fromDay!,
      to: toEnd === undefined ? '' : toDay!,
      q: q ?? '',
      reported: filter.reported ? '1' : '',
      split: split === 'server' ? 'server' : '',
    },
  }
}

/**
 * The servers the list filters, counts and charts by: those of MCP_SERVERS. The single-connection
 * configuration has one server ("default"), so it gets none of that (its rows still say "default").
 */
export function listedServers(): McpServer[] {
  const env = getEnv()
  return env.multiServer ? env.servers : []
}

/** The view's filters as a query string (without the cursor), plus any extra parameters. */
export function viewQuery(view: AdminView, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(view.values)) if (value) params.set(key, value)
  for (const [key, value] of Object.entries(extra)) params.set(key, value)
  const text = params.toString()
  return text ? `?${text}` : ''
}
