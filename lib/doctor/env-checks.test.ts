import { describe, expect, it } from 'vitest'
import { checkConnectionId, checkEnv } from './env-checks'
import { byId, SESSION_SECRET, setUpDoctorServers } from './testing'

const servers = setUpDoctorServers()

describe('the configuration', () => {
  it('passes a valid environment with one line', () => {
    expect(checkEnv(servers.validEnv())).toEqual([
      { id: 'env', status: 'pass', summary: 'The configuration is valid: the bridge would start with it.' },
    ])
  })

  it('fails each problem with its fix, leaving the connection id to its own check', () => {
    const findings = checkEnv(
      servers.validEnv({ SESSION_SECRET: 'short', APP_URL: 'http://login.example.com', SCALEKIT_CONNECTION_ID: 'res_123' }),
    )
    expect(findings[0]).toMatchObject({ id: 'env', status: 'fail', summary: '3 configuration problems: the bridge would refuse to start.' })
    expect(byId(findings, 'env.SESSION_SECRET')).toMatchObject({ status: 'fail', fix: expect.stringContaining('openssl rand -base64 32') })
    expect(byId(findings, 'env.APP_URL')).toMatchObject({ status: 'fail', summary: expect.stringContaining('APP_URL must use https') })
    expect(findings.map((finding) => finding.id)).not.toContain('env.SCALEKIT_CONNECTION_ID')
    expect(findings.every((finding) => !JSON.stringify(finding).includes(SESSION_SECRET))).toBe(true)
  })

  it('refuses a res_ id with the page that shows the conn_ id', () => {
    expect(checkConnectionId({ SCALEKIT_CONNECTION_ID: 'res_92015146095' })).toEqual({
      id: 'connection-id',
      status: 'fail',
      summary: "SCALEKIT_CONNECTION_ID is res_92015146095: a res_ id is the MCP server's resource id, not its connection.",
      fix: 'Copy the Connection ID (it starts with conn_) from Dashboard > MCP Servers > your server > Advanced Configurations > Connection ID into SCALEKIT_CONNECTION_ID.',
    })
    expect(checkConnectionId({ SCALEKIT_CONNECTION_ID: 'conn_69388798466720005' }).status).toBe('pass')
    expect(checkConnectionId({}).summary).toBe('SCALEKIT_CONNECTION_ID is not set.')
    expect(checkConnectionId({ SCALEKIT_CONNECTION_ID: 'conn-1' }).status).toBe('fail')
  })
})
