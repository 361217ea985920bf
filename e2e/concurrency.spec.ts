import { request as playwrightRequest } from '@playwright/test'
import { test, expect } from './fixtures'
import { APP_URL, BRIDGE_PORT } from './support/config'
import { withBridge } from './support/bridge'
import { createLoginRequest, readLoginRequest, readStats } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'
import { createUser, type TestUser } from './support/users'
import { partnerCallback } from './support/flows'
import { signInFormHiddenInputs } from './support/forms'

// Case 26: 50 logins at once against a bridge that has never talked to Scalekit: one
// client-credentials token for all of them, each login request carries its own person's claims,
// and every ledger row is right.

const LOGINS = 50
const PEOPLE = 10

/** One browser's login over plain HTTP: the page, then its no-JavaScript form post. */
async function login(bridgeUrl: string, person: TestUser) {
  const request = await createLoginRequest()
  const browser = await playwrightRequest.newContext()
  try {
    const loginUrl = request.loginUrl.replace(APP_URL, bridgeUrl)
    const page = await browser.get(loginUrl)
    expect(page.status()).toBe(200)
    const hidden = signInFormHiddenInputs(await page.text())
    expect(hidden?.some(([name]) => name.startsWith('$ACTION_'))).toBe(true)
    const multipart: Record<string, string> = Object.fromEntries(hidden ?? [])
    const post = () =>
      browser.post(loginUrl, {
        multipart: { ...multipart, email: person.email, password: person.password },
        headers: { origin: bridgeUrl, 'sec-fetch-site': 'same-origin' },
        maxRedirects: 0,
      })
    return { request, person, post }
  } catch (error) {
    await browser.dispose()
    throw error
  }
}

test('case 26: 50 concurrent logins fetch one token, keep each person\'s claims apart, and leave every ledger row right', async () => {
  test.setTimeout(180_000)
  const people = await Promise.all(Array.from({ length: PEOPLE }, (_, i) => createUser({ prefix: `crowd${i}`, name: `Crowd Person ${i}` })))
  await withBridge(BRIDGE_PORT + 10, {}, async (bridge) => {
    // Every browser has its page first, then all submit together.
    const flows = await Promise.all(Array.from({ length: LOGINS }, (_, i) => login(bridge.url, people[i % PEOPLE]!)))
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
      expect(JSON.parse((await ledgerRow(request.loginRequestId))?.claims ?? '{}')).toMatchObject({ email: person.email, name: person.name })
    }
  })
})
