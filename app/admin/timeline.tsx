import type { LedgerBucket } from '@/lib/ledger/filter'
import { adminClock } from './ui'

// The logins of the selected range over time, drawn on the server as plain SVG: a chart library
// would add client JavaScript for what a few stacked bar series need. By default completed against
// failed; split by server, every login of the filter per MCP server.

interface Series {
  id: string
  label: string
  fill: string
  swatch: string
  value: (bucket: LedgerBucket) => number
}

const STATUS_SERIES: Series[] = [
  { id: 'completed', label: 'completed', fill: 'fill-emerald-600', swatch: 'bg-emerald-600', value: (b) => b.completed },
  { id: 'failed', label: 'failed', fill: 'fill-red-600', swatch: 'bg-red-600', value: (b) => b.failed },
]

/** Full class names, so Tailwind finds them; servers past the last one take the colours again. */
const PALETTE: Array<[fill: string, swatch: string]> = [
  ['fill-sky-600', 'bg-sky-600'],
  ['fill-violet-600', 'bg-violet-600'],
  ['fill-teal-600', 'bg-teal-600'],
  ['fill-orange-500', 'bg-orange-500'],
  ['fill-pink-600', 'bg-pink-600'],
  ['fill-lime-600', 'bg-lime-600'],
  ['fill-slate-500', 'bg-slate-500'],
  ['fill-yellow-500', 'bg-yellow-500'],
]

function serverSeries(servers: Array<{ key: string; name: string }>): Series[] {
  return servers.map((server, index) => {
    const [fill, swatch] = PALETTE[index % PALETTE.length]!
    return { id: server.key, label: server.name, fill, swatch, value: (b) => b.servers?.[server.key] ?? 0 }
  })
}

const WIDTH = 960
const HEIGHT = 140
const PAD = 20

/** `servers`: split each bucket by these servers instead of completed against failed. */
export async function Timeline({ buckets, servers }: { buckets: LedgerBucket[]; servers?: Array<{ key: string; name: string }> }) {
  const { formatTime, zone } = await adminClock()
  const series = servers ? serverSeries(servers) : STATUS_SERIES
  const totals = series.map((s) => buckets.reduce((sum, b) => sum + s.value(b), 0))
  const max = Math.max(1, ...buckets.map((b) => series.reduce((sum, s) => sum + s.value(b), 0)))
  const slot = buckets.length ? (WIDTH - PAD) / buckets.length : 0
  const bar = Math.max(1, slot * 0.7)
  const scale = (value: number) => (value / max) * (HEIGHT - PAD)
  const describe = (values: number[]) => series.map((s, i) => `${values[i]} ${s.label}`).join(', ')
  const what = servers ? 'Logins per MCP server' : 'Completed and failed logins'
  const summary = `${what} from ${formatTime(buckets[0]?.start ?? null)} to ${formatTime(buckets.at(-1)?.end ?? null)} (${zone}): ${describe(totals)}.`

  return (
    <figure className="rounded-xl border border-slate-200 bg-white p-4">
      <figcaption className="mb-2 flex flex-wrap gap-4 text-xs text-slate-600">
        {series.map((s, i) => (
          <span key={s.id}>
            <span className={`mr-1 inline-block h-2 w-2 rounded-sm ${s.swatch}`} aria-hidden />
            {s.label} ({totals[i]!.toLocaleString('en-US')})
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} className="h-36 w-full" data-testid="timeline">
        <line x1={PAD / 2} x2={WIDTH - PAD / 2} y1={HEIGHT - PAD / 2} y2={HEIGHT - PAD / 2} className="stroke-slate-300" />
        {buckets.map((b, i) => {
          const x = PAD / 2 + i * slot + (slot - bar) / 2
          const values = series.map((s) => s.value(b))
          // Each series stacks on the ones before it.
          const below = values.map((_, index) => values.slice(0, index).reduce((sum, n) => sum + n, 0))
          const base = HEIGHT - PAD / 2
          return (
            <g key={b.start}>
              <title>{`${formatTime(b.start)} – ${formatTime(b.end)}: ${describe(values)}`}</title>
              {series.map((s, index) => (
                <rect
                  key={s.id}
                  x={x}
                  y={base - scale(below[index]! + values[index]!)}
                  width={bar}
                  height={scale(values[index]!)}
                  className={s.fill}
                />
              ))}
            </g>
          )
        })}
      </svg>
    </figure>
  )
}
