import { formatTime } from './ui'

// Completed versus failed logins over the selected range, drawn on the server as plain SVG: a
// chart library would add client JavaScript for what two bar series need.

interface Bucket {
  start: number
  end: number
  completed: number
  failed: number
}

const WIDTH = 960
const HEIGHT = 140
const PAD = 20

export function Timeline({ buckets }: { buckets: Bucket[] }) {
  const completed = buckets.reduce((sum, b) => sum + b.completed, 0)
  const failed = buckets.reduce((sum, b) => sum + b.failed, 0)
  const max = Math.max(1, ...buckets.map((b) => b.completed + b.failed))
  const slot = buckets.length ? (WIDTH - PAD) / buckets.length : 0
  const bar = Math.max(1, slot * 0.7)
  const scale = (value: number) => (value / max) * (HEIGHT - PAD)
  const summary = `Completed and failed logins from ${formatTime(buckets[0]?.start ?? null)} to ${formatTime(buckets.at(-1)?.end ?? null)} UTC: ${completed} completed, ${failed} failed.`

  return (
    <figure className="rounded-xl border border-slate-200 bg-white p-4">
      <figcaption className="mb-2 flex gap-4 text-xs text-slate-600">
        <span>
          <span className="mr-1 inline-block h-2 w-2 rounded-sm bg-emerald-600" aria-hidden />
          completed ({completed.toLocaleString('en-US')})
        </span>
        <span>
          <span className="mr-1 inline-block h-2 w-2 rounded-sm bg-red-600" aria-hidden />
          failed ({failed.toLocaleString('en-US')})
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} className="h-36 w-full" data-testid="timeline">
        <line x1={PAD / 2} x2={WIDTH - PAD / 2} y1={HEIGHT - PAD / 2} y2={HEIGHT - PAD / 2} className="stroke-slate-300" />
        {buckets.map((b, i) => {
          const x = PAD / 2 + i * slot + (slot - bar) / 2
          const ok = scale(b.completed)
          const bad = scale(b.failed)
          const base = HEIGHT - PAD / 2
          return (
            <g key={b.start}>
              <title>{`${formatTime(b.start)} – ${formatTime(b.end)}: ${b.completed} completed, ${b.failed} failed`}</title>
              <rect x={x} y={base - ok} width={bar} height={ok} className="fill-emerald-600" />
              <rect x={x} y={base - ok - bad} width={bar} height={bad} className="fill-red-600" />
            </g>
          )
        })}
      </svg>
    </figure>
  )
}
