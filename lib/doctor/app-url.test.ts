import { describe, expect, it } from 'vitest'
import { getFreePort } from '../../e2e/stand-in/test-support'
import { checkAppUrl } from './app-url'
import { byId, GOOD_BRIDGE, setUpDoctorServers, TIMEOUT_MS } from './testing'

const servers = setUpDoctorServers()

describe('the bridge at APP_URL', () => {
  const lookupNothing = async () => {
    throw new Error('an IP address needs no lookup')
  }

  it('warns that loopback http is local-only, and passes /api/health', async () => {
    const { findings, reachableOrigin } = await checkAppUrl(servers.validEnv(), fetch, lookupNothing, TIMEOUT_MS)
    expect(reachableOrigin).toBe(servers.bridgeUrl)
    expect(findings.map(({ id, status }) => [id, status])).toEqual([
      ['app-url.https', 'warn'],
      ['app-url.dns', 'pass'],
      ['app-url.health', 'pass'],
    ])
    expect(byId(findings, 'app-url.https').summary).toContain('reachable from this machine only')
    expect(byId(findings, 'app-url.health').summary).toBe(`GET ${servers.bridgeUrl}/api/health answered 200 {"status":"ok"}.`)
  })

  it('fails a redirect to another host as an unstable host', async () => {
    const port = new URL(servers.bridgeUrl).port
    servers.behaviour = { ...GOOD_BRIDGE, healthRedirect: `http://localhost:${port}/api/health` }
    const { findings } = await checkAppUrl(servers.validEnv(), fetch, lookupNothing, TIMEOUT_MS)
    expect(byId(findings, 'app-url.health')).toMatchObject({
      status: 'fail',
      summary: `GET /api/health redirects from 127.0.0.1:${port} to another host (http://localhost:${port}): APP_URL is not the host that answers.`,
      fix: expect.stringContaining('Set APP_URL to the host the bridge really answers at'),
    })
  })

  it('fails a host that does not resolve, and one that does not answer', async () => {
    const notFound = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })
    }
    const dns = await checkAppUrl({ APP_URL: 'https://login.doctor-test.invalid' }, fetch, notFound, TIMEOUT_MS)
    expect(dns.findings.map(({ id, status }) => [id, status])).toEqual([
      ['app-url.https', 'pass'],
      ['app-url.dns', 'fail'],
    ])
    expect(dns.reachableOrigin).toBeUndefined()

    const port = await getFreePort()
    const down = await checkAppUrl({ APP_URL: `http://127.0.0.1:${port}` }, fetch, lookupNothing, TIMEOUT_MS)
    expect(byId(down.findings, 'app-url.health')).toMatchObject({
      status: 'fail',
      summary: `http://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED).`,
    })
    expect(down.reachableOrigin).toBeUndefined()
  })
})
