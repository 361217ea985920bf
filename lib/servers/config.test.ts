import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, parseEnv } from '../env'

const base = {
  APP_URL: 'https://login.example.com',
  SESSION_SECRET: 'x'.repeat(32),
  AUTH_SECRET: 'y'.repeat(32),
  IDENTITY_SOURCES: JSON.stringify([
    { id: 'local', type: 'local' },
    { id: 'okta', type: 'oidc', name: 'Okta', issuer: 'https://acme.okta.com', clientId: 'c', clientSecret: 's' },
  ]),
}
const topLevel = {
  SCALEKIT_ENVIRONMENT_URL: 'https://acme.scalekit.dev',
  SCALEKIT_CLIENT_ID: 'skc_1',
  SCALEKIT_CLIENT_SECRET: 'top-secret',
}
const finance = { key: 'finance', name: 'Finance MCP', connectionId: 'conn_fin1', allow: { groups: ['finance'] } }
const crm = { key: 'crm', name: 'CRM MCP', connectionId: 'conn_crm1' }

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('MCP_SERVERS', () => {
  it('keeps the single-connection configuration exactly as it was: one server at /login', () => {
    const env = parseEnv({ ...base, ...topLevel, SCALEKIT_CONNECTION_ID: 'conn_legacy1' })
    expect(env.multiServer).toBe(false)
    expect(env.servers).toEqual([
      {
        key: 'default',
        name: 'MCP server',
        connectionId: 'conn_legacy1',
        path: '/login',
        environment: { environmentUrl: 'https://acme.scalekit.dev', clientId: 'skc_1', clientSecret: 'top-secret' },
      },
    ])
    expect(env.defaultServer).toBe(env.servers[0])
  })

  it('reads servers, applies the top-level environment where a server has none, and resolves env: secrets', () => {
    const dev = { environmentUrl: 'https://acme-dev.scalekit.dev', clientId: 'skc_dev', clientSecret: 'env:SK_DEV_SECRET' }
    const env = parseEnv({
      ...base,
      ...topLevel,
      SK_DEV_SECRET: 'dev-secret',
      MCP_SERVERS: JSON.stringify([finance, { ...crm, scalekit: dev, sources: ['okta'] }]),
    })
    expect(env.multiServer).toBe(true)
    expect(env.defaultServer).toBeUndefined()
    expect(env.servers.map((s) => [s.key, s.path, s.environment.environmentUrl, s.environment.clientSecret])).toEqual([
      ['finance', '/login/finance', 'https://acme.scalekit.dev', 'top-secret'],
      ['crm', '/login/crm', 'https://acme-dev.scalekit.dev', 'dev-secret'],
    ])
    expect(env.servers[0]!.allow).toEqual({ groups: ['finance'] })
    expect(env.servers[1]!.sources).toEqual(['okta'])
  })

  it('serves the only server, or the one marked default, at /login', () => {
    expect(parseEnv({ ...base, ...topLevel, MCP_SERVERS: JSON.stringify([crm]) }).defaultServer?.key).toBe('crm')
    const env = parseEnv({ ...base, ...topLevel, MCP_SERVERS: JSON.stringify([finance, { ...crm, default: true }]) })
    expect(env.defaultServer?.key).toBe('crm')
  })

  it('reads MCP_SERVERS_FILE', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'servers-')), 'servers.json')
    fs.writeFileSync(file, JSON.stringify([finance]))
    expect(parseEnv({ ...base, ...topLevel, MCP_SERVERS_FILE: file }).servers[0]!.key).toBe('finance')
    expect(problemsOf({ ...base, ...topLevel, MCP_SERVERS_FILE: `${file}.missing` })).toEqual([
      `MCP_SERVERS_FILE: cannot read ${file}.missing (ENOENT)`,
    ])
  })

  it('refuses MCP_SERVERS with SCALEKIT_CONNECTION_ID, saying to move the connection', () => {
    expect(problemsOf({ ...base, ...topLevel, SCALEKIT_CONNECTION_ID: 'conn_legacy1', MCP_SERVERS: JSON.stringify([crm]) })).toEqual([
      'MCP_SERVERS and SCALEKIT_CONNECTION_ID are both set: move the connection into MCP_SERVERS (as a server with "connectionId": "conn_legacy1") and remove SCALEKIT_CONNECTION_ID',
    ])
  })

  it('names every bad entry in one error, each with the fix', () => {
    const problems = problemsOf({
      ...base,
      ...topLevel,
      MCP_SERVERS: JSON.stringify([
        crm,
        { ...crm, name: 'CRM again' },
        { key: 'problem', name: 'Reserved', connectionId: 'conn_r1' },
        { key: 'billing', name: 'Billing', connectionId: 'res_123456' },
        { key: 'hr', name: 'HR', connectionId: 'conn_hr1', sources: ['github'] },
        { key: 'Bad Key', name: 'Bad', connectionId: 'conn_b1' },
      ]),
    })
    expect(problems).toEqual([
      `MCP_SERVERS[2] (problem).key: key "problem" is a word the bridge's own pages use under /login (problem, resume, source-error, denied, verify, enrol, forgot, reset, api, admin, static, new); choose another key`,
      "MCP_SERVERS[3] (billing).connectionId: connectionId is set to a res_... value: that is the MCP server's resource id. Use the conn_... id from Dashboard > MCP Servers > your server > Advanced Configurations > Connection ID",
      'MCP_SERVERS[5] (Bad Key).key: key must be 1 to 40 lowercase letters, digits or dashes (it is the last part of the login URL)',
    ])
    // Once each entry reads, the checks across entries.
    expect(
      problemsOf({
        ...base,
        ...topLevel,
        MCP_SERVERS: JSON.stringify([
          { ...crm, default: true },
          { ...crm, default: true },
          { key: 'hr', name: 'HR', connectionId: 'conn_hr1', sources: ['github'] },
        ]),
      }),
    ).toEqual([
      'MCP_SERVERS: the key "crm" is used twice; keys must be unique',
      'MCP_SERVERS (hr): "github" is not an identity source; use one of the ids in IDENTITY_SOURCES (local, okta)',
      'MCP_SERVERS: "crm" and "crm" are both marked "default": true; /login can serve only one',
    ])
  })

  it('needs the top-level Scalekit keys only for servers without their own environment', () => {
    expect(problemsOf({ ...base, MCP_SERVERS: JSON.stringify([crm]) })).toEqual([
      'MCP_SERVERS (crm): no "scalekit" block, so SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET must be set (Dashboard > Settings > API Credentials)',
    ])
    const own = { environmentUrl: 'https://acme.scalekit.dev', clientId: 'skc_1', clientSecret: 'env:NOT_SET' }
    expect(problemsOf({ ...base, MCP_SERVERS: JSON.stringify([{ ...crm, scalekit: own }]) })).toEqual([
      'MCP_SERVERS[0] (crm).scalekit.clientSecret: refers to NOT_SET, which is not set',
    ])
  })

  it('says what is missing without MCP_SERVERS or SCALEKIT_CONNECTION_ID', () => {
    expect(problemsOf({ ...base, ...topLevel })).toEqual([
      'SCALEKIT_CONNECTION_ID is required (Dashboard > MCP Servers > your server > Advanced Configurations > Connection ID), or list your MCP servers in MCP_SERVERS',
    ])
  })
})
