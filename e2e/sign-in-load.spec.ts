import { test, expect } from './fixtures'
import { BRIDGE_PORT } from './support/config'
import { withBridge } from './support/bridge'
import { readLoginRequest } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'
import { createUser } from './support/users'
import { partnerCallback } from './support/flows'
import { prepareFormLogin } from './support/forms'

// Password checks (argon2) share libuv's small thread pool with DNS and the Scalekit calls. The
// process runs only PASSWORD_CHECK_CONCURRENCY of them at once; the rest are refused at once with
// a 503 page that says to try again, instead of queueing behind them.

test('case 31: sign-ins beyond the concurrent password checks are refused at once with the retry page, and a retry completes', async () => {
  const people = await Promise.all(Array.from({ length: 8 }, (_, i) => createUser({ prefix: `shed${i}` })))
  await withBridge(BRIDGE_PORT + 17, { PASSWORD_CHECK_CONCURRENCY: '1' }, async (bridge) => {
    const flows = await Promise.all(people.map((person) => prepareFormLogin(bridge.url, person)))
    const answers = await Promise.all(flows.map((flow) => flow.post()))
    const shed = flows.filter((_, i) => answers[i]!.headers().location !== partnerCallback(flows[i]!.request.state))
    expect(shed.length).toBeGreaterThan(0)
    expect(shed.length).toBeLessThan(flows.length)
    for (const flow of shed) {
      const answer = answers[flows.indexOf(flow)]!
      expect(answer.status()).toBe(303)
      const location = new URL(answer.headers().location!, bridge.url)
      expect(location.pathname).toBe('/login/problem/sign_in_busy')
      expect(location.searchParams.get('login_request_id')).toBe(flow.request.loginRequestId)
      expect((await readLoginRequest(flow.request.loginRequestId))?.userDetailsCalls).toBe(0)
      expect(await ledgerRow(flow.request.loginRequestId)).toMatchObject({ status: 'pending' })
    }
    const page = await fetch(new URL(answers[flows.indexOf(shed[0]!)]!.headers().location!, bridge.url))
    expect(page.status).toBe(503)
    expect(await page.text()).toContain('Sign-in is busy right now')

    // Trying again, one at a time, goes through: nothing was counted against the person.
    for (const flow of shed) {
      const again = await flow.post()
      expect(again.headers().location).toBe(partnerCallback(flow.request.state))
    }
  })
})
