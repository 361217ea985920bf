import { Scalekit } from '@scalekit-sdk/node'
import { Code, ConnectError } from '@connectrpc/connect'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startScalekitStandIn, type ScalekitStandIn } from '../../e2e/stand-in/scalekit'
import { withBridgePolicy } from './client'
import { sendLoginUserDetails } from './user-details'

// The bridge's retry and token policy lives at a seam of the SDK (coreClient.connectExec). These
// cases fail the day an SDK upgrade stops routing RPCs through it.

let standIn: ScalekitStandIn

beforeAll(async () => {
  standIn = await startScalekitStandIn({ port: 0 })
})

afterAll(async () => {
  await standIn?.close()
})

function newSdk(): Scalekit {
  return new Scalekit(standIn.url, standIn.config.clientId, standIn.config.clientSecret, { timeoutMs: 2000 })
}

async function stats(): Promise<{ tokenFetches: number; userDetailsCalls: number }> {
  return (await fetch(`${standIn.url}/_standin/stats`)).json()
}

async function setFault(userDetails: string, settings: Record<string, unknown> = {}): Promise<void> {
  const answer = await fetch(`${standIn.url}/_standin/faults`, { method: 'POST', body: JSON.stringify({ userDetails, ...settings }) })
  expect(answer.status).toBe(200)
}

async function createLoginRequest(): Promise<string> {
  const created = await fetch(`${standIn.url}/_standin/login-requests`, { method: 'POST', body: '{}' })
  return ((await created.json()) as { loginRequestId: string }).loginRequestId
}

async function readLoginRequest(loginRequestId: string): Promise<Record<string, unknown>> {
  return (await fetch(`${standIn.url}/_standin/login-requests/${loginRequestId}`)).json()
}

afterEach(async () => {
  await setFault('none')
})

describe('the Scalekit SDK seam (withBridgePolicy)', () => {
  it('runs every RPC through the bridge policy: one token fetch, then no retry on NOT_FOUND', async () => {
    const client = withBridgePolicy(newSdk(), 2000)
    const before = await stats()
    const call = client.sdk.auth.updateLoginUserDetails(standIn.config.connectionId, 'lri_unknown', { sub: 'u1', email: 'a@example.com' })
    await expect(call).rejects.toSatisfy((error) => ConnectError.from(error).code === Code.NotFound)
    const after = await stats()
    expect(client.tokenFetches).toBe(1)
    expect(after.tokenFetches - before.tokenFetches).toBe(1)
    expect(after.userDetailsCalls - before.userDetailsCalls).toBe(1)
  })

  it('retries UNAVAILABLE twice, not the three times the SDK would', async () => {
    const client = withBridgePolicy(newSdk(), 2000)
    await setFault('unavailable')
    try {
      const before = await stats()
      const call = client.sdk.auth.updateLoginUserDetails(standIn.config.connectionId, 'lri_unknown', { sub: 'u1', email: 'a@example.com' })
      await expect(call).rejects.toSatisfy((error) => ConnectError.from(error).code === Code.Unavailable)
      expect((await stats()).userDetailsCalls - before.userDetailsCalls).toBe(3)
    } finally {
      await setFault('none')
    }
  })

  it('refuses an SDK without the seam, naming what to update', () => {
    const sdk = newSdk()
    delete (sdk as unknown as { coreClient?: unknown }).coreClient
    expect(() => withBridgePolicy(sdk, 2000)).toThrow(/no longer has coreClient\.connectExec/)
  })
})

describe('a lost answer: Scalekit applied the update, the bridge did not hear it', () => {
  const USER = { sub: 'u1', email: 'a@example.com', emailVerified: false }
  const send = (
    client: ReturnType<typeof withBridgePolicy>,
    loginRequestId: string,
    details: Parameters<typeof sendLoginUserDetails>[3] = USER,
  ) => sendLoginUserDetails(client, standIn.config.connectionId, loginRequestId, details)

  for (const lostAs of ['unavailable', 'reset'] as const) {
    it(`answer lost as ${lostAs}, the repeat refused: the update is the bridge's own, with no authRequestId`, async () => {
      const loginRequestId = await createLoginRequest()
      await setFault('answer_lost', { lostAs })
      const outcome = await send(withBridgePolicy(newSdk(), 2000), loginRequestId)
      expect(outcome).toMatchObject({ ok: true, firstAnswerLost: true, authRequestId: null })
      expect(outcome.ok && outcome.firstAnswerLost && outcome.detail).toContain('FailedPrecondition')
      expect(await readLoginRequest(loginRequestId)).toMatchObject({ status: 'user_received', userDetailsCalls: 2, appliedUpdates: 1 })
    })
  }

  it('an answer held past the deadline: the timeout is retried once, and the refused repeat completes', async () => {
    const loginRequestId = await createLoginRequest()
    await setFault('answer_lost', { lostAs: 'slow', delayMs: 1500 })
    const outcome = await send(withBridgePolicy(newSdk(), 400), loginRequestId, { loginFailed: true })
    expect(outcome).toMatchObject({ ok: true, firstAnswerLost: true })
    expect(await readLoginRequest(loginRequestId)).toMatchObject({ status: 'failed', userDetailsCalls: 2, appliedUpdates: 1 })
  })

  it('the repeat accepted: the authRequestId Scalekit holds, nothing lost to note', async () => {
    const loginRequestId = await createLoginRequest()
    await setFault('answer_lost', { repeatUpdate: 'accept' })
    const outcome = await send(withBridgePolicy(newSdk(), 2000), loginRequestId)
    const held = await readLoginRequest(loginRequestId)
    expect(outcome).toEqual({ ok: true, authRequestId: held.authRequestId, firstAnswerLost: false })
    expect(held).toMatchObject({ userDetailsCalls: 2, appliedUpdates: 1 })
  })

  it('a refusal on the first attempt is a refusal: someone else updated the request, or it is a replay', async () => {
    const client = withBridgePolicy(newSdk(), 2000)
    const loginRequestId = await createLoginRequest()
    await send(client, loginRequestId)
    expect(await send(client, loginRequestId)).toMatchObject({ ok: false, problem: 'scalekit_closed' })
    expect(await readLoginRequest(loginRequestId)).toMatchObject({ userDetailsCalls: 2, appliedUpdates: 1 })
  })

  it('a Scalekit slower than the deadline: one retry, then scalekit_timeout', async () => {
    const loginRequestId = await createLoginRequest()
    await setFault('slow', { delayMs: 1500 })
    const started = Date.now()
    expect(await send(withBridgePolicy(newSdk(), 300), loginRequestId)).toMatchObject({ ok: false, problem: 'scalekit_timeout' })
    expect(Date.now() - started).toBeLessThan(1500)
    expect(await readLoginRequest(loginRequestId)).toMatchObject({ userDetailsCalls: 2 })
  })
})
