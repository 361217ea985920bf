import { describe, expect, it } from 'vitest'
import { checkReady } from './ready'
import { GOOD_BRIDGE, setUpDoctorServers, TIMEOUT_MS } from './testing'

const servers = setUpDoctorServers()

describe('the readiness endpoint at APP_URL', () => {
  it('reports /api/ready: skipped on 404, the failing part on 503, pass on 200', async () => {
    servers.behaviour = { ...GOOD_BRIDGE, ready: { status: 404 } }
    expect(await checkReady(servers.bridgeUrl, fetch, TIMEOUT_MS)).toMatchObject({ id: 'ready', status: 'skip' })

    servers.behaviour = {
      ...GOOD_BRIDGE,
      ready: {
        status: 503,
        body: {
          status: 'unavailable',
          checks: { database: { ok: false, error: 'connect ECONNREFUSED 10.0.0.5:5432' }, scalekit: { ok: true, latencyMs: 40 } },
        },
      },
    }
    expect(await checkReady(servers.bridgeUrl, fetch, TIMEOUT_MS)).toEqual({
      id: 'ready',
      status: 'fail',
      summary: `GET ${servers.bridgeUrl}/api/ready answered 503, not ready: database (connect ECONNREFUSED 10.0.0.5:5432).`,
      fix: "database: check DATABASE_URL and that the database accepts the bridge's connections.",
    })

    servers.behaviour = {
      ...GOOD_BRIDGE,
      ready: { status: 503, body: { status: 'unavailable', checks: { database: { ok: true }, scalekit: { ok: false } } } },
    }
    expect(await checkReady(servers.bridgeUrl, fetch, TIMEOUT_MS)).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('not ready: scalekit.'),
    })

    servers.behaviour = GOOD_BRIDGE
    expect(await checkReady(servers.bridgeUrl, fetch, TIMEOUT_MS)).toMatchObject({ status: 'pass' })
  })
})
