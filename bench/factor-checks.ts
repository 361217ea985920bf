import { performance } from 'node:perf_hooks'
import { generateHOTP } from '@oslojs/otp'
import * as h from './harness'

// The sign-in checks themselves, in this process on a migrated SQLite file, one at a time: the
// password (argon2id), the authenticator code that follows it (the throttle, the key, the step
// recorded), and a passkey assertion (the challenge spent, the signature, the counter, the
// throttle), answered by a software authenticator.

const CHECKS = h.setting('BENCH_FACTOR_CHECKS', 200, 10, 10_000)

export async function timeFactorChecks(bench: h.Bench, standInUrl: string, credentials: h.Credentials) {
  const port = 3599
  Object.assign(process.env, h.bridgeEnv(port, 'file::memory:', standInUrl, credentials))
  const databaseFile = h.sqliteFile(bench, 'factor-checks.db')
  const user = await h.createBenchUsers(databaseFile, credentials.userPassword, 1)
  const [{ openDatabase }, { verifyCredentials }, { checkSecondFactorCode }, totp, passkeys, { relyingParty }, { SoftAuthenticator }] =
    await Promise.all([
      import('../lib/db'),
      import('../lib/users/directory'),
      import('../lib/factors/check'),
      import('../lib/factors/totp'),
      import('../lib/factors/passkeys'),
      import('../lib/factors/passkey-challenges'),
      import('../lib/factors/soft-authenticator.test-helper'),
    ])
  const { db } = await openDatabase(`file:${databaseFile}`)
  bench.defer(() => db.destroy())
  const rp = relyingParty()
  const limits = { perAccount: 1_000_000, perIp: 1_000_000, windowMs: 60_000, lockoutMs: 1000 }

  const enrolment = (await totp.startTotpEnrolment(db, credentials.authSecret, user, 'bench'))!
  const { decodeBase32IgnorePadding } = await import('@oslojs/encoding')
  const key = decodeBase32IgnorePadding(enrolment.keyText.replace(/ /g, ''))
  const codeNow = () => generateHOTP(key, BigInt(Math.floor(Date.now() / 30_000)), 6)
  await totp.acceptTotpCode(db, credentials.authSecret, user.id, codeNow(), { confirm: true })

  const authenticator = new SoftAuthenticator(rp.id, rp.origin)
  const registration = await passkeys.registrationOptions(db, rp, user)
  const registered = await passkeys.finishRegistration(db, rp, user.id, {
    token: registration.token,
    response: authenticator.register(registration.options.challenge),
    name: 'bench',
  })
  if (!registered.ok) throw new Error(`the bench passkey did not register: ${registered.reason}`)

  const password: number[] = []
  const code: number[] = []
  const passkey: number[] = []
  for (let i = 0; i < CHECKS; i += 1) {
    let started = performance.now()
    if (!(await verifyCredentials(db, user.email, credentials.userPassword))) throw new Error('the password was refused')
    password.push(performance.now() - started)

    // A code is accepted once per step: the step recorded is put back outside the timed part.
    await db.updateTable('totp_factors').set({ last_step: 0 }).where('user_id', '=', user.id).execute()
    const typed = codeNow()
    started = performance.now()
    const check = await checkSecondFactorCode(db, user, typed, '127.0.0.1')
    code.push(performance.now() - started)
    if (!check.ok) throw new Error(`the authenticator code was refused: ${check.reason}`)

    const issued = await passkeys.authenticationOptions(rp, 'lri_bench')
    const response = authenticator.assert(issued.options.challenge, user.id)
    started = performance.now()
    const signedIn = await passkeys.checkPasskeySignIn(db, rp, {
      token: issued.token,
      response,
      loginRequestId: 'lri_bench',
      ip: '127.0.0.1',
      limits,
    })
    passkey.push(performance.now() - started)
    if (!signedIn.ok) throw new Error(`the passkey was refused: ${signedIn.reason}`)
  }
  const ms = (samples: number[]) => h.summarize(samples.map((value) => h.round(value, 3)))
  const result = { checks: CHECKS, passwordMs: ms(password), authenticatorCodeMs: ms(code), passkeyMs: ms(passkey) }
  bench.log(
    `checks, p50: password (argon2id) ${h.round(result.passwordMs.p50)} ms, authenticator code ${h.round(result.authenticatorCodeMs.p50)} ms, passkey ${h.round(result.passkeyMs.p50)} ms`,
  )
  return result
}
