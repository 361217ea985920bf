import fs from 'node:fs'
import path from 'node:path'

// Reads a V8 CPU profile (`node --cpu-prof`, e.g. a bench run with BENCH_CPU_PROF_DIR) and prints
// where the time went: self time by function and by area (argon2, React rendering, Auth.js, ...),
// in ms and per completed login when `--logins N` is given.
//   npx tsx bench/profile-summary.ts <file.cpuprofile|dir> [--logins N] [--top 25]

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const AREAS: Array<[string, RegExp]> = [
  ['garbage collection', /^\(garbage collector\)$/],
  ['idle', /^\((idle|program)\)$/],
  ['argon2 (password hash)', /argon2/i],
  ['React rendering', /react-dom|react-server-dom|\/react\//],
  ['Auth.js / oauth4webapi / jose', /@auth\/core|next-auth|oauth4webapi|\/jose\//],
  ['iron-session / crypto', /iron-session|iron-webcrypto|node:crypto|webcrypto/],
  ['Scalekit SDK / gRPC', /@scalekit-sdk|@connectrpc|@bufbuild/],
  ['database (kysely, sqlite, pg)', /kysely|better-sqlite3|\/pg\/|pg-protocol/],
  ['zod', /\/zod\//],
  ['Next.js server', /next\/dist/],
  ['the bridge (.next/server app code)', /\.next\/server/],
  ['Node.js internals', /^node:|^internal\//],
]

function areaOf(frame: ProfileNode['callFrame']): string {
  const key = frame.url || frame.functionName
  return AREAS.find(([, pattern]) => pattern.test(key) || pattern.test(frame.functionName))?.[0] ?? 'other'
}

function summarise(profile: Profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const byFunction = new Map<string, number>()
  const byArea = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame
    const where = frame.url
      ? `${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/\.next\//, '.next/')}:${frame.lineNumber + 1}`
      : ''
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim()
    byFunction.set(name, (byFunction.get(name) ?? 0) + us)
    byArea.set(areaOf(frame), (byArea.get(areaOf(frame)) ?? 0) + us)
  }
  return { byFunction, byArea, totalUs: profile.endTime - profile.startTime }
}

function main(): number {
  const args = process.argv.slice(2)
  const target = args.find((arg) => !arg.startsWith('--') && !/^\d+$/.test(arg))
  const logins = Number(args[args.indexOf('--logins') + 1]) || 0
  const top = Number(args[args.indexOf('--top') + 1]) || 25
  if (!target) {
    console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile|dir> [--logins N] [--top 25]')
    return 2
  }
  const files = fs.statSync(target).isDirectory()
    ? fs
        .readdirSync(target)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(target, f))
    : [target]
  // The largest profile is the server's (next start may leave a short-lived parent's too).
  const file = files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!
  const { byFunction, byArea, totalUs } = summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile)
  const busyUs = [...byArea].filter(([area]) => area !== 'idle').reduce((sum, [, us]) => sum + us, 0)
  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7)
  const per = (us: number) => (logins ? `${(us / 1000 / logins).toFixed(2).padStart(7)} ms/login` : '')
  console.log(`${file}\nprofiled ${(totalUs / 1e6).toFixed(1)} s; on CPU ${ms(busyUs)} ms ${per(busyUs)}`)
  console.log('\nby area (self time):')
  for (const [area, us] of [...byArea].sort((a, b) => b[1] - a[1])) console.log(`  ${ms(us)} ms ${per(us)}  ${area}`)
  console.log(`\ntop ${top} functions (self time):`)
  const sorted = [...byFunction].filter(([name]) => !/^\((idle|program)\)/.test(name)).sort((a, b) => b[1] - a[1])
  for (const [name, us] of sorted.slice(0, top)) console.log(`  ${ms(us)} ms ${per(us)}  ${name.slice(0, 140)}`)
  return 0
}

process.exitCode = main()
