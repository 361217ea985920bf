import fs from 'node:fs'

// Small helpers for bench/login.ts: statistics, a per-browser cookie jar, reading the sign-in form
// out of server-rendered HTML, and sampling a process's memory from /proc.

export interface Summary {
  count: number
  mean: number
  p50: number
  p95: number
  p99: number
  max: number
}

/** Nearest-rank percentiles (no interpolation), in the unit of the samples. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
  const total = sorted.reduce((sum, value) => sum + value, 0)
  return {
    count: sorted.length,
    mean: sorted.length ? total / sorted.length : NaN,
    p50: rank(50),
    p95: rank(95),
    p99: rank(99),
    max: sorted[sorted.length - 1] ?? NaN,
  }
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** One browser profile's cookies for one origin (enough for a loopback benchmark: no paths, no expiry). */
export class CookieJar {
  private readonly cookies = new Map<string, string>()

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? ''
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const expired = /;\s*max-age=0\b/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line)
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  has(name: string): boolean {
    return this.cookies.has(name)
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

const ENTITIES: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0' }

export function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10)
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[entity.toLowerCase()] ?? whole
  })
}

export function parseAttributes(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {}
  for (const match of tag.matchAll(/([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = match[1]?.toLowerCase()
    if (!name || name.startsWith('<')) continue
    attributes[name] = decodeHtml(match[2] ?? match[3] ?? match[4] ?? '')
  }
  return attributes
}

/**
 * The hidden inputs of the first <form> that has an input named `email`: for a React server action
 * rendered without JavaScript these are $ACTION_REF_n / $ACTION_n:k / $ACTION_KEY plus the form's own
 * login_request_id and state. Returns null when the page has no such form.
 */
export function signInFormHiddenInputs(html: string): Array<[string, string]> | null {
  for (const match of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const body = match[1] ?? ''
    const inputs = [...body.matchAll(/<input\b[^>]*>/gi)].map((input) => parseAttributes(input[0].slice('<input'.length)))
    if (!inputs.some((input) => input.name === 'email')) continue
    return inputs
      .filter((input) => input.type === 'hidden' && input.name !== undefined)
      .map((input): [string, string] => [input.name ?? '', input.value ?? ''])
  }
  return null
}

export interface ScriptReference {
  url: string
  /** Only referenced as <script nomodule>: browsers with ES module support never download it. */
  noModule: boolean
}

/** Every script the page references under /_next/static (<script src>, modulepreload, preload as=script), in document order. */
export function staticScriptUrls(html: string, origin: string): ScriptReference[] {
  const found = new Map<string, ScriptReference>()
  for (const match of html.matchAll(/<(script|link)\b[^>]*>/gi)) {
    const attributes = parseAttributes(match[0].slice(match[1]!.length + 1).replace(/\/?>$/, ''))
    const isScript = match[1]!.toLowerCase() === 'script'
    const rel = (attributes.rel ?? '').toLowerCase()
    const href = isScript
      ? attributes.src
      : rel === 'modulepreload' || (rel === 'preload' && attributes.as === 'script')
        ? attributes.href
        : undefined
    if (!href) continue
    const url = new URL(href, origin)
    if (url.origin !== origin || !url.pathname.startsWith('/_next/static/')) continue
    const noModule = isScript && 'nomodule' in attributes
    const previous = found.get(url.toString())
    found.set(url.toString(), { url: url.toString(), noModule: previous ? previous.noModule && noModule : noModule })
  }
  return [...found.values()]
}

/** Bytes of the inline <script> bodies (the RSC payload and bootstrap), which no chunk list counts. */
export function inlineScriptBodies(html: string): string[] {
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)]
    .filter((match) => !/\bsrc\s*=/.test(match[1] ?? '') && (match[2] ?? '').length > 0)
    .map((match) => match[2] ?? '')
}

/** User + system CPU time of a process in milliseconds, from /proc/<pid>/stat; NaN once it is gone. */
export function cpuTimeMs(pid: number, ticksPerSecond = 100): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
  } catch {
    return NaN
  }
}

/**
 * A thread's time on a CPU and waiting in the run queue for one, in ms, from
 * /proc/<pid>/schedstat (the process's main thread); null when unavailable. Under a shared machine
 * the second tells how long a runnable event loop waited for a core.
 */
export function schedStat(pid: number): { runMs: number; waitMs: number } | null {
  try {
    const [run, wait] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number)
    return run === undefined || wait === undefined || !Number.isFinite(run) || !Number.isFinite(wait) ? null : { runMs: run / 1e6, waitMs: wait / 1e6 }
  } catch {
    return null
  }
}

export interface MemorySample {
  rssKb: number
  hwmKb: number
}

/** VmRSS and VmHWM (peak RSS) of a process, from /proc; null once it is gone. */
export function readMemory(pid: number): MemorySample | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') }
  } catch {
    return null
  }
}

/** Direct children of a process (Linux, CONFIG_PROC_CHILDREN); empty when unknown. */
export function childPids(pid: number): number[] {
  try {
    const tasks = fs.readdirSync(`/proc/${pid}/task`)
    return tasks.flatMap((task) =>
      fs
        .readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    )
  } catch {
    return []
  }
}

/** Polls a process tree's memory every `intervalMs`: the peak of the summed VmRSS, and the root's VmHWM. */
export function watchMemory(rootPid: number, intervalMs = 100) {
  let peakTreeRssKb = 0
  let peakRootHwmKb = 0
  let samples = 0
  const seenChildren = new Set<number>()
  const sample = () => {
    const pids = [rootPid, ...childPids(rootPid)]
    let tree = 0
    for (const pid of pids) {
      if (pid !== rootPid) seenChildren.add(pid)
      const memory = readMemory(pid)
      if (!memory) continue
      tree += memory.rssKb
      if (pid === rootPid) peakRootHwmKb = Math.max(peakRootHwmKb, memory.hwmKb)
    }
    if (tree > 0) {
      peakTreeRssKb = Math.max(peakTreeRssKb, tree)
      samples += 1
    }
  }
  sample()
  const timer = setInterval(sample, intervalMs)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      sample()
      return { peakTreeRssKb, peakRootHwmKb, samples, childProcesses: seenChildren.size }
    },
  }
}

/** Replaces the text between two marker comments in a Markdown file, or appends the block if absent. */
export function replaceMarkedBlock(file: string, name: string, block: string, fallbackHeader: string): void {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const marked = `${start}\n${block.trimEnd()}\n${end}`
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : fallbackHeader
  const from = current.indexOf(start)
  const to = current.indexOf(end)
  const next =
    from >= 0 && to > from
      ? `${current.slice(0, from)}${marked}${current.slice(to + end.length)}`
      : `${current.trimEnd()}\n\n${marked}\n`
  fs.writeFileSync(file, next)
}
