import { describe, expect, it } from 'vitest'
import { getFreePort } from '../../e2e/stand-in/test-support'
import { checkCredentials } from './credentials'
import { setUpDoctorServers, TIMEOUT_MS, WRONG_SECRET } from './testing'

const servers = setUpDoctorServers()

describe('the client credentials, against the Scalekit stand-in', () => {
  it('passes the right secret and keeps the token out of the finding', async () => {
    const result = await checkCredentials(servers.validEnv(), fetch, TIMEOUT_MS)
    expect(result.finding).toEqual({
      id: 'scalekit.credentials',
      status: 'pass',
      summary: `Scalekit accepted the client credentials (client_credentials grant at ${servers.standIn.url}/oauth/token).`,
    })
    expect(result.accessToken).toMatch(/^ey/)
    expect(JSON.stringify(result.finding)).not.toContain(result.accessToken)
  })

  it('fails a wrong secret with the API Credentials page, without echoing the secret', async () => {
    const result = await checkCredentials(servers.validEnv({ SCALEKIT_CLIENT_SECRET: WRONG_SECRET }), fetch, TIMEOUT_MS)
    expect(result.accessToken).toBeUndefined()
    expect(result.finding).toEqual({
      id: 'scalekit.credentials',
      status: 'fail',
      summary: 'Scalekit refused the client credentials (HTTP 401 invalid_client).',
      fix: `Copy SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET again from Dashboard > Settings > API Credentials of the environment ${servers.standIn.url} (another environment's credentials are refused too).`,
    })
  })

  it('fails an unreachable environment as unreachable', async () => {
    const port = await getFreePort()
    const result = await checkCredentials(servers.validEnv({ SCALEKIT_ENVIRONMENT_URL: `http://127.0.0.1:${port}` }), fetch, TIMEOUT_MS)
    expect(result.finding).toMatchObject({
      status: 'fail',
      summary: `Scalekit at http://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED).`,
      fix: expect.stringContaining('Check SCALEKIT_ENVIRONMENT_URL against Dashboard > Settings > API Credentials'),
    })
  })

  it('never sends the secret over plain http to another machine', async () => {
    let called = false
    const result = await checkCredentials(
      servers.validEnv({ SCALEKIT_ENVIRONMENT_URL: 'http://acme.scalekit.dev' }),
      async () => {
        called = true
        throw new Error('must not be called')
      },
      TIMEOUT_MS,
    )
    expect(called).toBe(false)
    expect(result.finding.status).toBe('skip')
  })
})
