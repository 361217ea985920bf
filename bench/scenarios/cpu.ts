import { performance } from 'node:perf_hooks'
import { benchUserLogin, Origin } from '../browser'
import * as h from '../harness'
import { loginUrlOn } from '../../e2e/support/sources'
import { hashPassword, verifyPassword } from '../../lib/users/passwords'

// Where a login's CPU goes, request by request (`npm run bench:cpu`; docs/benchmarks.md): a few virtual browsers send, in turn,
// GET /api/health, GET of a new login request's link (the sign-in page), and whole logins (that GET, then the sign-in POST); the
// bridge's CPU (all threads) and its main thread's CPU per request of each kind, from /proc. The POST's share is the login's
// minus the GET's. Light concurrency, so that the numbers are the work's and not the machine's contention. Then the argon2id
// verification alone (the directory's parameters, as many at once as there are browsers, in this process while nothing else
// runs), which a login's CPU less gives the bridge's CPU outside the password hash. The machine's speed drifts by tens of
// per cent from minute to minute here: compare builds by running them in turn, not against a number from another hour.

const BRIDGE_PORT = 5520
const STAND_IN_PORT = 5530
const APP_URL = `http://localhost:${BRIDGE_PORT}`
const REQUESTS = h.setting('CPU_REQUESTS', 400, 20, 20_000)
const CONCURRENCY = h.setting('CPU_CONCURRENCY', 4, 1, 50)
const CREDENTIALS = h.generateCredentials()

export default async function cpu(bench: h.Bench) {
  const loadAtStart = h.loadAverage()
  const build = h.requireBuild()
  const ports = { bridge: BRIDGE_PORT, standIn: STAND_IN_PORT }
  const { scalekit, server } = await h.startLoginBench(bench, ports, 'bench-cpu', CONCURRENCY, CREDENTIALS)

  let errors = 0
  const allKinds: Record<string, (person: number) => Promise<boolean>> = {
    health: async () => (await new Origin(APP_URL).send(`${APP_URL}/api/health`)).response.status === 200,
    'login page (GET)': async () => {
      const request = await h.createLoginRequest(scalekit.url)
      return (await new Origin(APP_URL).send(loginUrlOn(APP_URL, request))).response.status === 200
    },
    'whole login (GET + POST)': async (person) => (await benchUserLogin(APP_URL, scalekit.url, CREDENTIALS, person)).ok,
  }
  // CPU_ONLY=login (or page, health): one kind alone, e.g. for a CPU profile of it (BENCH_CPU_PROF_DIR).
  const only = process.env.CPU_ONLY
  const kinds = Object.fromEntries(Object.entries(allKinds).filter(([kind]) => !only || kind.includes(only)))
  const results: Record<string, { serverCpuMs: number; systemCpuMs: number; mainThreadMs: number | null; msPerRequest: number }> = {}
  for (const [kind, send] of Object.entries(kinds)) {
    for (let i = 0; i < 20; i += 1) await send(0) // warm-up
    const cpuBefore = h.treeCpuMs(server.pid)
    const systemBefore = h.systemCpuMs(server.pid)
    const schedBefore = h.schedStat(server.pid)
    const started = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, person) => {
        while (next++ < REQUESTS) if (!(await send(person).catch(() => false))) errors += 1
      }),
    )
    const wallMs = performance.now() - started
    const schedAfter = h.schedStat(server.pid)
    results[kind] = {
      serverCpuMs: (h.treeCpuMs(server.pid) - cpuBefore) / REQUESTS,
      /** Of which in the kernel (system time): writes, fsync at each SQLite commit, sockets. */
      systemCpuMs: (h.systemCpuMs(server.pid) - systemBefore) / REQUESTS,
      mainThreadMs: schedBefore && schedAfter ? (schedAfter.runMs - schedBefore.runMs) / REQUESTS : null,
      msPerRequest: wallMs / REQUESTS,
    }
    bench.log(`${kind}: ${JSON.stringify(results[kind], (_k, v: unknown) => (typeof v === 'number' ? h.round(v, 2) : v))}`)
  }
  await server.stop()
  build.unchanged()
  const argon2 = await argon2Alone(CREDENTIALS.userPassword)
  bench.log(`argon2id verification alone: ${h.round(argon2.cpuMs, 2)} ms CPU (${h.round(argon2.systemCpuMs, 2)} ms of it in the kernel)`)
  const login = results['whole login (GET + POST)']
  const page = results['login page (GET)']
  const post = login &&
    page && {
      serverCpuMs: login.serverCpuMs - page.serverCpuMs,
      mainThreadMs: (login.mainThreadMs ?? NaN) - (page.mainThreadMs ?? NaN),
    }
  if (post)
    bench.log(`sign-in POST (login minus page): ${h.round(post.serverCpuMs, 2)} ms CPU, ${h.round(post.mainThreadMs, 2)} ms main thread`)
  const outsideArgon2Ms = login ? login.serverCpuMs - argon2.cpuMs : null
  if (outsideArgon2Ms !== null) bench.log(`a login outside argon2: ${h.round(outsideArgon2Ms, 2)} ms CPU`)
  return {
    ok: errors === 0,
    errors,
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    loadAtStart,
    perRequest: results,
    signInPost: post,
    argon2,
    outsideArgon2Ms,
  }
}

/** CPU (user + system) of one argon2id verification, CONCURRENCY at a time, in this process. */
async function argon2Alone(password: string, count = 200) {
  const stored = await hashPassword(password)
  for (let i = 0; i < 10; i += 1) await verifyPassword(stored, password)
  const before = process.cpuUsage()
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) if (!(await verifyPassword(stored, password))) throw new Error('argon2id verification failed')
    }),
  )
  const used = process.cpuUsage(before)
  return { cpuMs: (used.user + used.system) / 1000 / count, systemCpuMs: used.system / 1000 / count }
}
