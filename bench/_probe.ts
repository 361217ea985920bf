// Scratch probe (deleted after use): server CPU for GET-only vs full logins, and UV_THREADPOOL_SIZE effect.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { performance } from 'node:perf_hooks'
import { startScalekitStandIn } from '../e2e/stand-in/scalekit'
import { CookieJar, cpuTimeMs, signInFormHiddenInputs, summarize } from './support'

const APP = 'http://localhost:3200'
const c = { id: 'skc_probe', secret: randomBytes(24).toString('base64url'), conn: 'conn_probe1', s1: randomBytes(32).toString('base64url'), s2: randomBytes(32).toString('base64url'), pw: 'Probe-' + randomBytes(12).toString('base64url') }
async function main() {
  const standIn = await startScalekitStandIn({ port: 4210, host: '127.0.0.1', bridgeLoginUrl: `${APP}/login`, clientId: c.id, clientSecret: c.secret, connectionId: c.conn })
  const dbFile = '.data/bench-probe.db'
  for (const s of ['', '-wal', '-shm']) fs.rmSync(dbFile + s, { force: true })
  const { openDatabase, migrateToLatest } = await import('../lib/db')
  const { addUser } = await import('../lib/users')
  const h = await openDatabase('file:' + dbFile); await migrateToLatest(h); await addUser(h.db, { email: 'p@example.com', name: 'P', password: c.pw }); await h.db.destroy()
  const env: Record<string, string> = { APP_URL: APP, SCALEKIT_ENVIRONMENT_URL: standIn.url, SCALEKIT_CLIENT_ID: c.id, SCALEKIT_CLIENT_SECRET: c.secret, SCALEKIT_CONNECTION_ID: c.conn, SESSION_SECRET: c.s1, AUTH_SECRET: c.s2, DATABASE_URL: 'file:' + dbFile, AUTH_TRUST_HOST: 'true', NODE_OPTIONS: '', PORT: '3200' }
  if (process.env.PROBE_UV) env.UV_THREADPOOL_SIZE = process.env.PROBE_UV
  const child = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-p', '3200', '-H', '127.0.0.1'], { env: { ...process.env, ...env }, stdio: 'ignore' })
  try {
    for (let i = 0; i < 300; i++) { try { if ((await fetch(APP + '/api/health')).ok) break } catch {} await new Promise((r) => setTimeout(r, 200)) }
    const create = async () => (await (await fetch(standIn.url + '/_standin/login-requests', { method: 'POST', body: '{}' })).json()) as { loginUrl: string; state: string }
    const getOnly = async () => { const r = await create(); const t = performance.now(); const p = await fetch(r.loginUrl, { redirect: 'manual' }); await p.text(); return performance.now() - t }
    const full = async () => {
      const r = await create(); const jar = new CookieJar(); const p = await fetch(r.loginUrl, { redirect: 'manual' }); const html = await p.text(); jar.store(p)
      const f = new FormData(); for (const [k, v] of signInFormHiddenInputs(html)!) f.append(k, v); f.append('email', 'p@example.com'); f.append('password', c.pw)
      const t = performance.now(); const q = await fetch(r.loginUrl, { method: 'POST', body: f, redirect: 'manual', headers: { cookie: jar.header(), origin: APP, 'sec-fetch-site': 'same-origin' } }); await q.arrayBuffer()
      if (q.status !== 303) throw new Error('status ' + q.status); return performance.now() - t
    }
    for (let i = 0; i < 10; i++) await full()
    const run = async (label: string, fn: () => Promise<number>, n: number, conc: number) => {
      const lat: number[] = []; let issued = 0; const cpu0 = cpuTimeMs(child.pid!); const t0 = performance.now()
      await Promise.all(Array.from({ length: conc }, async () => { while (issued < n) { issued++; lat.push(await fn()) } }))
      const el = (performance.now() - t0) / 1000; const cpu = cpuTimeMs(child.pid!) - cpu0; const s = summarize(lat)
      console.log(`${label.padEnd(22)} n=${n} c=${conc} ${(n / el).toFixed(1)}/s cpu/op=${(cpu / n).toFixed(1)}ms p50=${s.p50.toFixed(1)} p95=${s.p95.toFixed(1)}`)
    }
    const plain = (u: string) => async () => { const t = performance.now(); const p = await fetch(APP + u, { redirect: 'manual' }); await p.text(); return performance.now() - t }
    await run('GET /api/health seq', plain('/api/health'), 100, 1)
    await run('GET / seq', plain('/'), 40, 1)
    await run('GET /login/problem seq', plain('/login/problem/expired'), 40, 1)
    await run('GET only seq', getOnly, 40, 1)
    await run('full seq (POST lat)', full, 40, 1)
    await run('GET only c20', getOnly, 200, 20)
    await run('full c20 (POST lat)', full, 200, 20)
  } finally {
    child.kill('SIGTERM'); await standIn.close()
    for (const s of ['', '-wal', '-shm']) fs.rmSync(dbFile + s, { force: true })
  }
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
