import { test, expect } from './fixtures'
import { BRIDGE_PORT, CLIENT_SECRET } from './support/config'
import { withBridge } from './support/bridge'
import { readStats } from './support/stand-in-api'

// /api/health (the process is up) and /api/ready (it can finish a login: database and Scalekit),
// for load balancers that poll every few seconds.

test.describe('health and readiness', () => {
  test('/api/health and /api/ready answer 200 with what they checked, cheaply enough to poll', async ({ request }) => {
    const health = await request.get('/api/health')
    expect(health.status()).toBe(200)
    expect(health.headers()['cache-control']).toBe('no-store')
    expect(await health.json()).toEqual({ status: 'ok' })

    const ready = await request.get('/api/ready')
    expect(ready.status()).toBe(200)
    expect(ready.headers()['cache-control']).toBe('no-store')
    // peerAddress: the seam that stamps the TCP peer still runs under this Next.js (lib/server/peer-address.ts).
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, scalekit: { ok: true }, peerAddress: { ok: true } },
    })

    // A load balancer polling every second does not fetch a Scalekit token each time.
    const before = await readStats()
    for (let i = 0; i < 20; i += 1) expect((await request.get('/api/ready')).status()).toBe(200)
    expect((await readStats()).tokenFetches - before.tokenFetches).toBe(0)
  })

  test('/api/ready answers 503 naming Scalekit when its credentials are refused, without the secret', async ({ request }) => {
    await withBridge(BRIDGE_PORT + 11, { SCALEKIT_CLIENT_SECRET: 'not-the-right-client-secret' }, async (bridge) => {
      const ready = await request.get(`${bridge.url}/api/ready`)
      expect(ready.status()).toBe(503)
      const body = await ready.json()
      expect(body).toMatchObject({ status: 'unavailable', checks: { database: { ok: true }, scalekit: { ok: false } } })
      expect(body.checks.scalekit.error).toBe('scalekit_credentials')
      expect(JSON.stringify(body)).not.toContain('not-the-right-client-secret')
      expect(JSON.stringify(body)).not.toContain(CLIENT_SECRET)
      expect((await request.get(`${bridge.url}/api/health`)).status()).toBe(200)
    })
  })

  test('case 37: /api/ready names the failing part in fixed words, never an internal host name', async ({ request }) => {
    const overrides = { DATABASE_URL: 'postgres://postgres@db-primary.internal.invalid:5432/bridge' }
    await withBridge(BRIDGE_PORT + 14, overrides, async (bridge) => {
      const ready = await request.get(`${bridge.url}/api/ready`)
      expect(ready.status()).toBe(503)
      const body = await ready.json()
      expect(body.checks.database).toMatchObject({ ok: false, error: 'the database did not answer' })
      expect(JSON.stringify(body)).not.toContain('internal.invalid')
      // The operator finds the cause in the log.
      await expect.poll(() => bridge.output()).toContain('ready_check_failed')
    })
  })
})
