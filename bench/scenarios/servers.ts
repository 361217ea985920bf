import { performance } from 'node:perf_hooks'
import { signInFormHiddenInputs } from '../../e2e/support/forms'
import * as h from '../harness'

// What serving 20 MCP servers costs `next start` (`npm run bench:servers`; docs/benchmarks.md): start-up (spawn to the first
// 200 from /api/health) and GET of a login page, the single connection (/login) against MCP_SERVERS with 20 servers and their
// access policies (/login/{20th key}), in alternating rounds. Fails when a page does not answer 200 with the sign-in form.

const BRIDGE_PORT = 3500
const STAND_IN_PORT = 4250
const APP_URL = `http://localhost:${BRIDGE_PORT}`

const ROUNDS = h.setting('BENCH_SERVERS_ROUNDS', 3, 1, 20)
const REQUESTS = h.setting('BENCH_SERVERS_REQUESTS', 200, 1, 10_000)
const WARMUP_REQUESTS = h.setting('BENCH_SERVERS_WARMUP', 20, 1, 1000)
const HEALTH_POLL_MS = 10

const CREDENTIALS = h.generateCredentials()

const ENGINEERING = ['engineering', 'platform', 'sre']
/** [key, name, allow, sources, own Scalekit block]: open servers, groups, roles, domains, emails, source limits, mixed. */
const TWENTY: Array<[string, string, Record<string, string[]>?, string[]?, true?]> = [
  ['docs', 'Docs'],
  ['wiki', 'Wiki', { domains: ['example.com'] }],
  ['search', 'Search'],
  ['calendar', 'Calendar', undefined, ['local']],
  ['tickets', 'Tickets', { groups: ['support', ...ENGINEERING] }],
  ['crm', 'CRM', { groups: ['sales', 'support'], roles: ['member', 'manager'] }],
  ['billing', 'Billing', { groups: ['finance'], roles: ['billing-admin'] }, undefined, true],
  ['payroll', 'Payroll', { emails: ['cfo@example.com', 'payroll@example.com'] }],
  ['hr', 'People', { groups: ['people-ops'], domains: ['example.com'] }],
  ['analytics', 'Analytics', { groups: ['data', ...ENGINEERING], roles: ['analyst', 'developer'] }],
  ['warehouse', 'Warehouse', { roles: ['analyst'], sources: ['local'] }],
  ['deploy', 'Deploy', { groups: ENGINEERING, roles: ['developer', 'release-manager'] }],
  ['monitoring', 'Monitoring', { groups: ENGINEERING }],
  ['logs', 'Logs', { groups: ENGINEERING, domains: ['example.com', 'example.org'] }],
  ['incidents', 'Incidents', { groups: [...ENGINEERING, 'support'], roles: ['on-call', 'incident-commander'] }, ['local']],
  ['mail', 'Mail', { domains: ['example.com'] }],
  ['drive', 'Drive', { domains: ['example.com', 'example.org'] }, undefined, true],
  ['design', 'Design', { groups: ['design', 'product'] }],
  ['legal', 'Legal', { groups: ['legal'], emails: ['counsel@example.com'], roles: ['reviewer'] }],
  ['sales-reports', 'Sales reports', { groups: ['sales', 'finance'], roles: ['manager', 'director'], domains: ['example.com'] }],
]

/** MCP_SERVERS for the 20; two bring their own Scalekit block (the same stand-in, the secret read through "env:NAME"). */
function twentyServers(standInUrl: string) {
  const scalekit = { environmentUrl: standInUrl, clientId: CREDENTIALS.clientId, clientSecret: 'env:SCALEKIT_CLIENT_SECRET' }
  return TWENTY.map(([key, name, allow, sources, ownScalekit], index) => ({
    key,
    name,
    connectionId: `${CREDENTIALS.connectionId}s${index + 1}`,
    ...(allow ? { allow } : {}),
    ...(sources ? { sources } : {}),
    ...(ownScalekit ? { scalekit } : {}),
  }))
}

/** `shows`: the server name the page must name (data-testid="server-name"), when it names one. */
type Configuration = { name: string; servers: number; path: string; connectionId: string; shows?: string; env: Record<string, string> }

/** Fresh SQLite files, migrated beforehand (start-up then measures no migration), one per configuration. */
async function configurations(bench: h.Bench, standInUrl: string): Promise<Configuration[]> {
  const [legacyDb, multiDb] = [h.sqliteFile(bench, 'bench-servers-legacy.db'), h.sqliteFile(bench, 'bench-servers-20.db')]
  for (const file of [legacyDb, multiDb]) await h.createBenchUsers(file, CREDENTIALS.userPassword, 1)
  const servers = twentyServers(standInUrl)
  const last = servers.at(-1)!
  const env = (file: string, extra: Record<string, string>) => h.bridgeEnv(BRIDGE_PORT, `file:${file}`, standInUrl, CREDENTIALS, extra)
  return [
    {
      name: 'single connection',
      servers: 1,
      path: '/login',
      connectionId: CREDENTIALS.connectionId,
      env: env(legacyDb, { MCP_SERVERS: '', MCP_SERVERS_FILE: '' }),
    },
    {
      name: `${servers.length} servers`,
      servers: servers.length,
      path: `/login/${last.key}`,
      connectionId: last.connectionId,
      shows: last.name,
      env: env(multiDb, { SCALEKIT_CONNECTION_ID: '', MCP_SERVERS: JSON.stringify(servers), MCP_SERVERS_FILE: '' }),
    },
  ]
}

/** One GET of a new login request's page, without cookies: its time to the end of the body, or why it failed. */
async function timedLoginPage(standInUrl: string, config: Configuration): Promise<{ ms: number; failure?: string }> {
  const request = await h.createLoginRequest(standInUrl, config.connectionId)
  const url = `${APP_URL}${config.path}?${new URLSearchParams({ login_request_id: request.loginRequestId, state: request.state })}`
  const started = performance.now()
  try {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(h.REQUEST_TIMEOUT_MS) })
    const body = await response.text()
    const ms = performance.now() - started
    if (response.status !== 200) return { ms, failure: `GET ${config.path} answered ${response.status}` }
    if (!signInFormHiddenInputs(body)) return { ms, failure: `GET ${config.path}: no sign-in form in the page` }
    const named = !config.shows || /data-testid="server-name"[^>]*>([^<]*)</.exec(body)?.[1] === config.shows
    return named ? { ms } : { ms, failure: `GET ${config.path}: the page does not name ${config.shows}` }
  } catch (error) {
    return { ms: performance.now() - started, failure: `GET ${config.path}: ${h.errorText(error)}` }
  }
}

/** Starts the bridge, times its start-up, then WARMUP_REQUESTS + REQUESTS sequential GETs; stops it. */
async function measureRound(bench: h.Bench, standInUrl: string, config: Configuration) {
  const spawned = performance.now()
  const server = await h.startBridge(bench, BRIDGE_PORT, config.env, undefined, HEALTH_POLL_MS)
  const startupMs = performance.now() - spawned
  const samples: number[] = []
  const failures: string[] = []
  try {
    for (let i = 0; i < WARMUP_REQUESTS + REQUESTS; i += 1) {
      const { ms, failure } = await timedLoginPage(standInUrl, config)
      if (failure) failures.push(failure)
      else if (i >= WARMUP_REQUESTS) samples.push(ms)
    }
  } finally {
    await server.stop()
  }
  if (failures.length) bench.log(`server output (tail):\n${server.outputTail()}`)
  return { startupMs, getMs: h.summarize(samples), failures }
}

export default async function servers(bench: h.Bench) {
  const loadAtStart = h.loadAverage()
  const build = h.requireBuild()
  const standIn = await h.startStandIn(bench, STAND_IN_PORT, APP_URL, CREDENTIALS)
  const configs = await configurations(bench, standIn.url)
  const rounds = configs.map(() => [] as Array<Awaited<ReturnType<typeof measureRound>>>)
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const [index, config] of configs.entries()) {
      bench.log(`[round ${round}/${ROUNDS}] ${config.name}: start-up, then GET ${config.path} x ${REQUESTS} (after ${WARMUP_REQUESTS})`)
      const result = await measureRound(bench, standIn.url, config)
      const { p50, p95 } = result.getMs
      bench.log(`  start-up ${result.startupMs.toFixed(0)} ms; GET p50 / p95 ${p50.toFixed(2)} / ${p95.toFixed(2)} ms`)
      rounds[index]!.push(result)
    }
  }
  build.unchanged()

  const median = (values: number[]) => h.summarize(values).p50
  const results = configs.map(({ name, servers, path }, index) => {
    const each = rounds[index]!
    const failures = each.flatMap((round) => round.failures)
    return {
      name,
      servers,
      path,
      /** Medians over the rounds: start-up, and each round's GET p50 and p95. */
      startupMs: median(each.map((round) => round.startupMs)),
      getP50Ms: median(each.map((round) => round.getMs.p50)),
      getP95Ms: median(each.map((round) => round.getMs.p95)),
      failures: failures.length,
      firstFailure: failures[0] ?? null,
      rounds: each.map(({ startupMs, getMs }) => ({ startupMs, getMs })),
    }
  })
  const [single, many] = results
  const difference = {
    startupMs: many!.startupMs - single!.startupMs,
    getP50Ms: many!.getP50Ms - single!.getP50Ms,
    getP95Ms: many!.getP95Ms - single!.getP95Ms,
  }
  bench.log(
    `  ${many!.name} minus single connection (medians): start-up ${difference.startupMs.toFixed(0)} ms, GET p50 ${difference.getP50Ms.toFixed(2)} ms, p95 ${difference.getP95Ms.toFixed(2)} ms`,
  )
  const measured = results.every((result) => result.rounds.every((round) => round.getMs.count > 0))
  return {
    ok: measured && results.every((result) => result.failures === 0),
    loadAtStart,
    settings: { rounds: ROUNDS, requests: REQUESTS, warmup: WARMUP_REQUESTS, healthPollMs: HEALTH_POLL_MS },
    results,
    /** 20 servers minus the single connection. */
    difference,
  }
}
