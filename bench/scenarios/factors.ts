import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { generateHOTP } from '@oslojs/otp'
import { formsOf, hiddenInputs, signInFormHiddenInputs } from '../../e2e/support/forms'
import { loginUrlOn } from '../../e2e/support/sources'
import { expectedPartnerCallback } from '../../e2e/stand-in/partner-callback'
import { fail, multipart, Origin, samePost } from '../browser'
import * as h from '../harness'
import { timeFactorChecks } from '../factor-checks'

// Second factors in `npm run bench:login` (docs/benchmarks.md): whole logins over plain HTTP, in turn, with a password
// alone and with a password and an authenticator code (its 303 to /login/verify, that page, and the code's POST), so the
// code step's cost is read next to the password-only figure on the same server at the same time. Then each check alone,
// in this process: the password, the authenticator code, and a passkey assertion (bench/factor-checks.ts).

const BRIDGE_PORT = 3520
const STAND_IN_PORT = 4230
const LOGINS = h.setting('BENCH_FACTOR_LOGINS', 40, 2, 1000)
const WARMUP = 3

type Timed = { totalMs: number; requestMs: number }

async function passwordStep(appUrl: string, standInUrl: string, email: string, password: string) {
  const bridge = new Origin(appUrl)
  const request = await h.createLoginRequest(standInUrl)
  const loginUrl = loginUrlOn(appUrl, request)
  const page = await bridge.send(loginUrl)
  const hidden = signInFormHiddenInputs(page.body) ?? fail('no sign-in form')
  const post = await bridge.send(loginUrl, {
    method: 'POST',
    body: multipart([...hidden, ['email', email], ['password', password]]),
    headers: samePost(appUrl),
  })
  return { bridge, request, windows: [page.window, post.window], location: post.response.headers.get('location') }
}

const spent = (windows: Array<{ from: number; to: number }>) => windows.reduce((sum, w) => sum + (w.to - w.from), 0)

async function passwordLogin(appUrl: string, standInUrl: string, connectionId: string, email: string, password: string): Promise<Timed> {
  const started = performance.now()
  const step = await passwordStep(appUrl, standInUrl, email, password)
  if (step.location !== expectedPartnerCallback(standInUrl, connectionId, step.request.state))
    fail('password login did not reach partner:callback')
  return { totalMs: performance.now() - started, requestMs: spent(step.windows) }
}

async function codeLogin(
  appUrl: string,
  standInUrl: string,
  connectionId: string,
  person: { email: string; password: string; key: Uint8Array },
): Promise<Timed> {
  const started = performance.now()
  const step = await passwordStep(appUrl, standInUrl, person.email, person.password)
  if (!step.location?.startsWith('/login/verify?')) fail(`the password step went to ${step.location?.split('?')[0]}, not /login/verify`)
  const verifyUrl = new URL(step.location, appUrl).href
  const page = await step.bridge.send(verifyUrl)
  const form = formsOf(page.body).find(({ inputs }) => inputs.some((input) => input.name === 'code')) ?? fail('no code form')
  const code = generateHOTP(person.key, BigInt(Math.floor(Date.now() / 30_000)), 6)
  const post = await step.bridge.send(verifyUrl, {
    method: 'POST',
    body: multipart([...hiddenInputs(form.inputs), ['code', code]]),
    headers: samePost(appUrl),
  })
  if (post.response.headers.get('location') !== expectedPartnerCallback(standInUrl, connectionId, step.request.state))
    fail(`the code step answered ${post.response.status} ${post.response.headers.get('location')?.split('?')[0] ?? ''}`)
  return { totalMs: performance.now() - started, requestMs: spent([...step.windows, page.window, post.window]) }
}

/** Gives bench users LOGINS..2*LOGINS-1 a confirmed authenticator each (one per login: a code is accepted once). */
async function enrolAuthenticators(databaseFile: string, authSecret: string, first: number, count: number) {
  const [{ openDatabase }, { sealKey }] = await Promise.all([import('../../lib/db'), import('../../lib/factors/sealed')])
  const handle = await openDatabase(`file:${databaseFile}`)
  const keys: Uint8Array[] = []
  try {
    for (let i = first; i < first + count; i += 1) {
      const key = new Uint8Array(randomBytes(20))
      keys.push(key)
      const user = await handle.db.selectFrom('users').select('id').where('email', '=', h.benchUser(i).email).executeTakeFirstOrThrow()
      await handle.db
        .insertInto('totp_factors')
        .values({ user_id: user.id, sealed_key: sealKey(authSecret, key), confirmed_at: Date.now(), last_step: 0, created_at: Date.now() })
        .execute()
    }
  } finally {
    await handle.db.destroy()
  }
  return keys
}

export default async function run(bench: h.Bench) {
  const build = h.requireBuild()
  const credentials = h.generateCredentials()
  const total = WARMUP + LOGINS
  const { scalekit, databaseFile } = await h.startLoginBench(
    bench,
    { bridge: BRIDGE_PORT, standIn: STAND_IN_PORT },
    'factors',
    2 * total,
    credentials,
  )
  const keys = await enrolAuthenticators(databaseFile, credentials.authSecret, total, total)
  const appUrl = `http://localhost:${BRIDGE_PORT}`
  const password: Timed[] = []
  const withCode: Timed[] = []
  bench.log(`${LOGINS} logins of each kind, in turn, one at a time (after ${WARMUP} of each to warm up)`)
  for (let i = 0; i < total; i += 1) {
    const plain = await passwordLogin(appUrl, scalekit.url, credentials.connectionId, h.benchUser(i).email, credentials.userPassword)
    const person = { email: h.benchUser(total + i).email, password: credentials.userPassword, key: keys[i]! }
    const coded = await codeLogin(appUrl, scalekit.url, credentials.connectionId, person)
    if (i < WARMUP) continue
    password.push(plain)
    withCode.push(coded)
  }
  const summary = (samples: Timed[]) => ({
    totalMs: h.summarize(samples.map((s) => h.round(s.totalMs))),
    requestMs: h.summarize(samples.map((s) => h.round(s.requestMs))),
  })
  const result = { password: summary(password), passwordAndCode: summary(withCode) }
  const extra = h.round(result.passwordAndCode.requestMs.p50 - result.password.requestMs.p50)
  bench.log(`password alone: p50 ${h.round(result.password.requestMs.p50)} ms of requests (GET + POST)`)
  bench.log(
    `password + authenticator code: p50 ${h.round(result.passwordAndCode.requestMs.p50)} ms (GET + POST + GET /login/verify + POST), +${extra} ms`,
  )
  const checks = await timeFactorChecks(bench, scalekit.url, credentials)
  build.unchanged()
  return { ok: true, logins: LOGINS, ...result, codeStepP50Ms: extra, inProcess: checks }
}
