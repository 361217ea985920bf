import { describe, expect, it } from 'vitest'
import { checkLoginHeaders } from './login-headers'
import { byId, GOOD_BRIDGE, setUpDoctorServers, TIMEOUT_MS } from './testing'

const servers = setUpDoctorServers()

describe('the login headers at APP_URL', () => {
  it("passes the bridge's own headers on /login and /login/, without login parameters", async () => {
    const findings = await checkLoginHeaders(servers.bridgeUrl, fetch, TIMEOUT_MS)
    expect(findings.map(({ id, status }) => [id, status])).toEqual([
      ['login.coop', 'pass'],
      ['login.referrer-policy', 'pass'],
      ['login.frame-ancestors', 'pass'],
      ['login-slash.coop', 'pass'],
    ])
    expect(byId(findings, 'login.coop').summary).toBe('GET /login (HTTP 400) sends Cross-Origin-Opener-Policy: unsafe-none.')
    expect(byId(findings, 'login-slash.coop').summary).toBe('GET /login/ (HTTP 308) sends Cross-Origin-Opener-Policy: unsafe-none.')
    // No login_request_id or state: nothing reaches the ledger.
    expect(servers.bridgeRequests).toEqual(['/login', '/login/'])
  })

  it('fails COOP same-origin from a layer in front, and warns about a replaced Referrer-Policy and CSP', async () => {
    servers.behaviour = {
      ...GOOD_BRIDGE,
      coop: 'same-origin',
      referrerPolicy: 'strict-origin-when-cross-origin',
      csp: "default-src 'self'",
    }
    const findings = await checkLoginHeaders(servers.bridgeUrl, fetch, TIMEOUT_MS)
    expect(byId(findings, 'login.coop')).toMatchObject({
      status: 'fail',
      summary: 'GET /login (HTTP 400) sends Cross-Origin-Opener-Policy: same-origin: popup MCP clients lose their window.',
      fix: expect.stringContaining(
        'Something in front of the bridge (proxy, CDN, platform security headers) overrides Cross-Origin-Opener-Policy',
      ),
    })
    expect(byId(findings, 'login-slash.coop').status).toBe('fail')
    expect(byId(findings, 'login.referrer-policy')).toMatchObject({
      status: 'warn',
      summary: expect.stringContaining('strict-origin-when-cross-origin'),
    })
    expect(byId(findings, 'login.frame-ancestors').status).toBe('warn')

    // No header at all: browsers default to unsafe-none, but a layer in front stripped the bridge's.
    servers.behaviour = { ...GOOD_BRIDGE, coop: null }
    expect(byId(await checkLoginHeaders(servers.bridgeUrl, fetch, TIMEOUT_MS), 'login.coop')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('proxy, CDN'),
    })
  })
})
