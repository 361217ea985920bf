import fs from 'node:fs'
import path from 'node:path'
import { exitWhenDone, loadAverage, machine, ROOT, round, type Bench } from './harness'

// `tsx --conditions=react-server bench/run.ts <scenario>`: progress to stderr, the numbers to .data/bench/<scenario>.json and
// as one JSON line to stdout. Exits 0 when the run passed, 1 when it did not or could not run.

type Scenario = (bench: Bench) => Promise<{ ok: boolean } & Record<string, unknown>>
const SCENARIOS: Record<string, [command: string, load: () => Promise<{ default: Scenario }>]> = {
  login: ['npm run bench:login', () => import('./scenarios/login')],
  sources: ['npm run bench:login', () => import('./scenarios/sources')],
  factors: ['npm run bench:login', () => import('./scenarios/factors')],
  admin: ['npm run bench:admin', () => import('./scenarios/admin')],
  load: ['npm run bench:load', () => import('./scenarios/load')],
  ready: ['npm run bench:ready', () => import('./scenarios/ready')],
  servers: ['npm run bench:servers', () => import('./scenarios/servers')],
  cpu: ['npm run bench:cpu', () => import('./scenarios/cpu')],
  outbox: ['npm run bench:outbox', () => import('./scenarios/outbox')],
  mail: ['npm run bench:mail', () => import('./scenarios/mail')],
}

const stops: Array<() => Promise<void>> = []
const stopAll = async () => {
  while (stops.length) await stops.pop()?.()
}
const bench: Bench = {
  defer(stop) {
    let done = false
    const once = async () => {
      if (done) return
      done = true
      await Promise.resolve()
        .then(stop)
        .catch(() => {}) // and keep stopping the rest
    }
    stops.push(once)
    return once
  },
  log: (line) => void process.stderr.write(`${line}\n`),
}

async function main(name: string): Promise<number> {
  const [command, load] = SCENARIOS[name] ?? []
  if (!command || !load) throw new Error(`unknown scenario "${name}"; one of: ${Object.keys(SCENARIOS).join(', ')}`)
  process.chdir(ROOT)
  fs.mkdirSync(path.join(ROOT, '.data', 'bench'), { recursive: true })
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143)))
  const date = new Date().toISOString()
  const host = machine()
  bench.log(`bench ${name}: ${host.cores} cores, Node ${host.node}, ${date}, 1-min load average ${loadAverage()}`)
  const result = await (await load()).default(bench).finally(stopAll)
  const record = { bench: name, date, command, machine: host, ...result }
  // Three decimals are kept; NaN (nothing measured) becomes null.
  const rounded = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? round(value, 3) : value)
  const file = path.join(ROOT, '.data', 'bench', `${name}.json`)
  fs.writeFileSync(file, `${JSON.stringify(record, rounded, 2)}\n`)
  bench.log(`${result.ok ? 'passed' : 'FAILED'}; wrote ${path.relative(ROOT, file)}`)
  console.log(JSON.stringify(record, rounded))
  return result.ok ? 0 : 1
}

exitWhenDone(main(process.argv[2] ?? ''), `bench ${process.argv[2] ?? ''}`)
