import { test, expect } from './fixtures'
import { BRIDGE_PORT } from './support/config'
import { withBridge } from './support/bridge'
import { readLoginRequest, readStats } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'
import { createUser } from './support/users'
import { partnerCallback } from './support/flows'
import { prepareFormLogin } from './support/forms'

// Case 26: 50 logins at once against a bridge that has never talked to Scalekit: one
// client-credentials token for all of them, each login request carries its own person's claims,
// and every ledger row is right.

const LOGINS = 50
const PEOPLE = 10

test("case 26: 50 concurrent logins fetch one token, keep each person's claims apart, and leave every ledger row right", async () => {
  test.setTimeout(180_000)
  const people = await Promise.all(Array.from({ length: PEOPLE }, (_, i) => createUser({ prefix: `crowd${i}`, name: `Crowd Person ${i}` })))
  // Every sign-in is checked here (the default sheds all but 2 at once: case 31).
  await withBridge(BRIDGE_PORT + 10, { PASSWORD_CHECK_CONCURRENCY: '64' }, async (bridge) => {
    // Every browser has its page first, then all submit together.
    const flows = await Promise.all(Array.from({ length: LOGINS }, (_, i) => prepareFormLogin(bridge.url, people[i % PEOPLE]!)))
    const before = await readStats()
    const answers = await Promise.all(flows.map((flow) => flow.post()))
    const after = await readStats()

    expect(after.tokenFetches - before.tokenFetches).toBe(1)
    expect(after.userDetailsCalls - before.userDetailsCalls).toBe(LOGINS)
    for (const [i, answer] of answers.entries()) {
      const { request, person } = flows[i]!
      expect(answer.status()).toBe(303)
      expect(answer.headers().location).toBe(partnerCallback(request.state))
      const received = await readLoginRequest(request.loginRequestId)
      expect(received).toMatchObject({ userDetailsCalls: 1, user: { email: person.email, name: person.name } })
      expect(await ledgerRow(request.loginRequestId)).toMatchObject({
        status: 'completed',
        user_email: person.email,
        auth_request_id: received?.authRequestId,
        identity_source: 'local',
      })
      expect(JSON.parse((await ledgerRow(request.loginRequestId))?.claims ?? '{}')).toMatchObject({
        email: person.email,
        name: person.name,
      })
    }
  })
})
