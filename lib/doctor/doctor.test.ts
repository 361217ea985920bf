import { describe, expect, it } from 'vitest'
import { runDoctor } from './index'
import { byId, setUpDoctorServers, TIMEOUT_MS } from './testing'

const servers = setUpDoctorServers()

describe('runDoctor against the stand-in and the fake bridge', () => {
  it('runs every check in order', async () => {
    const findings = await runDoctor(servers.validEnv(), { timeoutMs: TIMEOUT_MS })
    expect(findings.map(({ id, status }) => `${status} ${id}`)).toEqual([
      'pass env',
      'pass connection-id',
      'pass scalekit.credentials',
      'skip scalekit.connection',
      'skip scalekit.login-endpoint',
      'skip mail',
      'warn app-url.https',
      'pass app-url.dns',
      'pass app-url.health',
      'pass login.coop',
      'pass login.referrer-policy',
      'pass login.frame-ancestors',
      'pass login-slash.coop',
      'pass ready',
    ])
    expect(findings.filter((finding) => finding.status !== 'pass').every((finding) => finding.fix)).toBe(true)
  })

  it('still checks what it can when the configuration is invalid', async () => {
    const findings = await runDoctor({ APP_URL: servers.bridgeUrl, SCALEKIT_CONNECTION_ID: 'res_1' }, { timeoutMs: TIMEOUT_MS })
    expect(byId(findings, 'env').status).toBe('fail')
    expect(byId(findings, 'connection-id').status).toBe('fail')
    expect(byId(findings, 'scalekit.credentials').status).toBe('skip')
    expect(byId(findings, 'login.coop').status).toBe('pass')
  })
})
