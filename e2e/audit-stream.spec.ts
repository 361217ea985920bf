import { test, expect } from './fixtures'
import { APP_URL, METRICS_TOKEN } from './support/config'
import { CREDENTIAL_API_BRIDGE_URL, SOURCES_BRIDGE_URL } from './support/sources'
import { createUser, type TestUser } from './support/users'
import { prepareFormLogin } from './support/forms'
import { captureAction, replayAction, signInAsAdmin } from './support/admin'
import { auditReceived, setAuditAnswer, type AcceptedEvent } from './support/audit-receiver'
import { fingerprint } from '../lib/server/log'

// The audit stream end to end (security.md case 49): the main bridge sends every ledger step to
// the suite's receiver (e2e/audit-receiver/main.ts), which verifies each Standard Webhooks
// signature with the library's own verifier. Logins are told apart by their correlation id.

const LOGIN_STEPS = ['received', 'signed_in', 'submitted', 'completed']

async function eventsOf(cids: string[]): Promise<Map<string, AcceptedEvent[]>> {
  const { accepted } = await auditReceived()
  const by = new Map<string, AcceptedEvent[]>(cids.map((cid) => [cid, []]))
  for (const event of accepted) by.get(event.data.correlationId ?? '')?.push(event)
  return by
}

/**
 * One series of /api/metrics (0 when absent), summed over the suite's three bridges: they share
 * the main database, so each delivers some of its events (the backlog gauge reads that database).
 */
async function metric(series: string, bridges = [APP_URL, SOURCES_BRIDGE_URL, CREDENTIAL_API_BRIDGE_URL]): Promise<number> {
  let sum = 0
  for (const url of bridges) {
    const response = await fetch(`${url}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    expect(response.status).toBe(200)
    const line = (await response.text()).split('\n').find((l) => l.startsWith(`${series} `))
    sum += line ? Number(line.slice(series.length + 1)) : 0
  }
  return sum
}

async function completeLogins(people: TestUser[]): Promise<string[]> {
  const flows = await Promise.all(people.map((person) => prepareFormLogin(APP_URL, person)))
  const answers = await Promise.all(flows.map((flow) => flow.post()))
  for (const answer of answers) expect(answer.status()).toBe(303)
  return flows.map((flow) => fingerprint(flow.request.loginRequestId))
}

test.afterEach(async () => {
  await setAuditAnswer(204)
})

test("case 49: a login's events arrive at the receiver signed, in order and once each", async () => {
  const person = await createUser({ prefix: 'stream-one' })
  // Whatever earlier cases left in the outbox is delivered first, so the counts below are this login's.
  await expect.poll(() => metric('bridge_audit_outbox_backlog', [APP_URL]), { timeout: 30_000 }).toBe(0)
  const deliveredBefore = await metric('bridge_audit_deliveries_total{result="delivered"}')
  const [cid] = await completeLogins([person])
  await expect.poll(async () => (await eventsOf([cid!])).get(cid!)!.map((e) => e.data.step), { timeout: 15_000 }).toEqual(LOGIN_STEPS)
  // The metrics count each delivery (bridge_audit_deliveries_total) and read the backlog from the outbox.
  await expect.poll(() => metric('bridge_audit_deliveries_total{result="delivered"}')).toBe(deliveredBefore + LOGIN_STEPS.length)
  expect(await metric('bridge_audit_outbox_backlog', [APP_URL])).toBe(0)
  const events = (await eventsOf([cid!])).get(cid!)!
  expect(events.map((e) => e.type)).toEqual(LOGIN_STEPS.map((step) => `login.${step}`))
  expect(events[3]!.data).toMatchObject({ step: 'completed', serverKey: 'default', source: 'local', user: { email: person.email } })
  const { requests } = await auditReceived()
  const mine = requests.filter((r) => r.correlationId === cid)
  // Every request verified, one request per event (the receiver answered 204 at once).
  expect(mine.map((r) => [r.verified, r.answer])).toEqual(LOGIN_STEPS.map(() => [true, 204]))
  expect(new Set(mine.map((r) => r.id))).toEqual(new Set(events.map((e) => e.id)))
  expect(requests.filter((r) => !r.verified)).toEqual([])
})

test('case 49: with the receiver down (503) during 50 concurrent logins, every event arrives after it recovers, once, in order', async () => {
  test.setTimeout(180_000)
  const people = await Promise.all(Array.from({ length: 10 }, (_, i) => createUser({ prefix: `stream-load${i}` })))
  await setAuditAnswer(503)
  const cids = await completeLogins(Array.from({ length: 50 }, (_, i) => people[i % 10]!))
  // Down for a while: every login's first event is refused, some of them more than once.
  await expect
    .poll(
      async () => {
        const refused = (await auditReceived()).requests.filter((r) => r.answer === 503 && cids.includes(r.correlationId ?? ''))
        return new Set(refused.map((r) => r.correlationId)).size
      },
      { timeout: 20_000 },
    )
    .toBe(50)
  await new Promise((resolve) => setTimeout(resolve, 3000))
  expect([...(await eventsOf(cids)).values()].every((events) => events.length === 0)).toBe(true)
  await setAuditAnswer(204)
  await expect
    .poll(async () => [...(await eventsOf(cids)).values()].filter((events) => events.length === LOGIN_STEPS.length).length, {
      timeout: 60_000,
    })
    .toBe(50)
  const received = await eventsOf(cids)
  for (const cid of cids) expect(received.get(cid)!.map((e) => e.data.step)).toEqual(LOGIN_STEPS)
  const ids = [...received.values()].flat().map((e) => e.id)
  expect(new Set(ids).size).toBe(50 * LOGIN_STEPS.length)
  const retried = (await auditReceived()).requests.filter((r) => r.answer === 503 && cids.includes(r.correlationId ?? ''))
  expect(retried.length).toBeGreaterThan(50)
})

test('case 49: the admin stream page shows a refused delivery and redelivers it; the action refuses other sites and signed-out callers', async ({
  page,
  browser,
}) => {
  const admin = await createUser({ admin: true, prefix: 'stream-admin' })
  const person = await createUser({ prefix: 'stream-refused' })
  // The login's first event (received) is written when its page is served: refused for good.
  await setAuditAnswer(422)
  const flow = await prepareFormLogin(APP_URL, person)
  const cid = fingerprint(flow.request.loginRequestId)
  await expect
    .poll(async () => (await auditReceived()).requests.filter((r) => r.correlationId === cid).map((r) => [r.type, r.answer]), {
      timeout: 15_000,
    })
    .toEqual([['login.received', 422]])
  await setAuditAnswer(204)
  const refused = (await auditReceived()).requests.find((r) => r.correlationId === cid)!

  await signInAsAdmin(page, admin)
  await page.getByRole('link', { name: 'Audit stream' }).click()
  await expect(page).toHaveURL('/admin/stream')
  const row = page.getByTestId('failed-delivery').filter({ hasText: refused.id })
  await expect(row.getByTestId('failed-attempts')).toHaveText('1')
  await expect(row.getByTestId('failed-error')).toHaveText('HTTP 422')
  await expect(page.getByTestId('receiver-default').getByTestId('failed')).not.toHaveText('0')

  const action = await captureAction(page, () => row.getByRole('button', { name: 'Redeliver' }).click())
  // The page is refreshed: the delivery is pending again, no longer among the failures.
  await expect(page.getByTestId('failed-delivery').filter({ hasText: refused.id })).toHaveCount(0)
  await expect.poll(async () => (await eventsOf([cid])).get(cid)!.map((e) => e.id), { timeout: 15_000 }).toEqual([refused.id])

  // The same action from another site, or without an admin session, does nothing.
  const crossSite = await replayAction(page.request, action, { origin: 'https://evil.example', site: 'cross-site' })
  expect(crossSite.status()).toBe(403)
  expect(await crossSite.text()).toBe('Forbidden: this form was not sent from this site.\n')
  const nobody = await browser.newContext()
  const signedOut = await replayAction(nobody.request, action)
  expect(signedOut.status()).toBe(200)
  expect(signedOut.headers()['x-action-redirect']).toMatch(/^\/admin\/sign-in(;|$)/)
  await nobody.close()

  // One admin action, itself an event of the stream, by this admin.
  const redeliveries = async () =>
    (await auditReceived()).accepted
      .filter((e) => e.type === 'admin.audit.redeliver' && (e.data.detail as { event?: string } | null)?.event === refused.id)
      .map((e) => e.data.actor)
  await expect.poll(redeliveries, { timeout: 15_000 }).toEqual([admin.email])
  await new Promise((resolve) => setTimeout(resolve, 500))
  expect(await redeliveries()).toEqual([admin.email])
})
