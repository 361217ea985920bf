import { Scalekit } from '@scalekit-sdk/node'
import { Code, ConnectError } from '@connectrpc/connect'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startScalekitStandIn, type ScalekitStandIn } from '../../e2e/stand-in/scalekit'
import { withBridgePolicy } from './client'

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

async function setFault(userDetails: string): Promise<void> {
  const answer = await fetch(`${standIn.url}/_standin/faults`, { method: 'POST', body: JSON.stringify({ userDetails }) })
  expect(answer.status).toBe(200)
}

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
