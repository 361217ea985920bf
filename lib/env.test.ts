import { describe, expect, it } from 'vitest'
import { ConfigError, parseEnv } from './env'

const valid = {
  APP_URL: 'https://login.example.com',
  SCALEKIT_ENVIRONMENT_URL: 'https://acme.scalekit.dev',
  SCALEKIT_CLIENT_ID: 'skc_123',
  SCALEKIT_CLIENT_SECRET: 'secret',
  SCALEKIT_CONNECTION_ID: 'conn_12345',
  SESSION_SECRET: 'x'.repeat(32),
  AUTH_SECRET: 'y'.repeat(32),
}

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseEnv', () => {
  it('accepts a complete https configuration and applies defaults', () => {
    const env = parseEnv(valid)
    expect(env.APP_URL).toBe('https://login.example.com')
    expect(env.secure).toBe(true)
    expect(env.LOGIN_REQUEST_TTL_SECONDS).toBe(600)
    expect(env.SCALEKIT_TIMEOUT_MS).toBe(5000)
    expect(env.ADMIN_EMAILS).toEqual([])
    expect(env.DATABASE_URL).toBeUndefined()
  })

  it('names every bad key in one error', () => {
    const problems = problemsOf({ ...valid, APP_URL: undefined, SESSION_SECRET: 'short', SCALEKIT_CLIENT_ID: '' })
    expect(problems).toHaveLength(3)
    expect(problems.join('\n')).toContain('APP_URL is required')
    expect(problems.join('\n')).toContain('SESSION_SECRET must be at least 32 characters')
    expect(problems.join('\n')).toContain('SCALEKIT_CLIENT_ID is required')
    expect(() => parseEnv({})).toThrow(/The bridge is not configured correctly/)
  })

  it('explains that a res_ id is the MCP server resource id, not the connection id', () => {
    const [problem] = problemsOf({ ...valid, SCALEKIT_CONNECTION_ID: 'res_123456' })
    expect(problem).toContain("the MCP server's resource id")
    expect(problem).toContain('Advanced Configurations')
    expect(problem).toContain('conn_')
  })

  it('rejects a connection id that is neither conn_ nor res_', () => {
    expect(problemsOf({ ...valid, SCALEKIT_CONNECTION_ID: 'conn_/../x' })[0]).toContain('must look like conn_')
  })

  it('accepts plain http only on loopback hosts', () => {
    for (const host of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://127.8.9.10', 'http://[::1]:3000']) {
      expect(parseEnv({ ...valid, APP_URL: host }).secure).toBe(false)
    }
    for (const host of ['http://login.example.com', 'http://10.0.0.1', 'http://127.0.0.1.evil.com', 'ftp://localhost']) {
      expect(problemsOf({ ...valid, APP_URL: host }).join()).toContain('APP_URL must use https')
    }
  })

  it('reduces URLs to their origin', () => {
    expect(parseEnv({ ...valid, SCALEKIT_ENVIRONMENT_URL: 'https://acme.scalekit.dev/' }).SCALEKIT_ENVIRONMENT_URL).toBe(
      'https://acme.scalekit.dev',
    )
  })

  it('validates numbers, admin emails and database URLs', () => {
    expect(parseEnv({ ...valid, LOGIN_REQUEST_TTL_SECONDS: '120' }).LOGIN_REQUEST_TTL_SECONDS).toBe(120)
    expect(problemsOf({ ...valid, LOGIN_REQUEST_TTL_SECONDS: 'ten' })[0]).toContain('LOGIN_REQUEST_TTL_SECONDS must be a whole number')
    expect(parseEnv({ ...valid, ADMIN_EMAILS: ' A@x.io, b@y.io ' }).ADMIN_EMAILS).toEqual(['a@x.io', 'b@y.io'])
    expect(problemsOf({ ...valid, ADMIN_EMAILS: 'not-an-email' }).join()).toContain('ADMIN_EMAILS')
    expect(parseEnv({ ...valid, DATABASE_URL: 'postgres://u@h/db' }).DATABASE_URL).toBe('postgres://u@h/db')
    expect(problemsOf({ ...valid, DATABASE_URL: 'mysql://h/db' })[0]).toContain('DATABASE_URL must be file:')
  })

  it('keeps invitation links 72 hours unless INVITATION_TTL_HOURS says otherwise, from 1 to 720', () => {
    expect(parseEnv(valid).INVITATION_TTL_HOURS).toBe(72)
    expect(parseEnv({ ...valid, INVITATION_TTL_HOURS: '720' }).INVITATION_TTL_HOURS).toBe(720)
    expect(parseEnv({ ...valid, INVITATION_TTL_HOURS: '1' }).INVITATION_TTL_HOURS).toBe(1)
    for (const bad of ['0', '721', '1.5', 'three']) {
      expect(problemsOf({ ...valid, INVITATION_TTL_HOURS: bad })).toEqual(['INVITATION_TTL_HOURS must be a whole number from 1 to 720'])
    }
  })

  it('reports identity-source problems in the same one message as the other keys', () => {
    expect(
      problemsOf({ ...valid, SESSION_SECRET: 'short', IDENTITY_SOURCES: '[{"id":"x","type":"ldap"}]', SESSION_MAX_AGE_SECONDS: '1' }),
    ).toEqual([
      'SESSION_SECRET must be at least 32 characters (openssl rand -base64 32)',
      'SESSION_MAX_AGE_SECONDS must be a whole number from 5 to 2592000',
      'IDENTITY_SOURCES[0] (x).type: type must be one of "local", "oidc", "http", "session"',
    ])
    const env = parseEnv({ ...valid, SESSION_MAX_AGE_SECONDS: '3600' })
    expect(env.SESSION_MAX_AGE_SECONDS).toBe(3600)
    expect(env.sources.map((source) => source.id)).toEqual(['local'])
    expect(parseEnv(valid).SESSION_MAX_AGE_SECONDS).toBe(8 * 3600)
  })

  it('turns /api/metrics on only with a METRICS_TOKEN of at least 32 characters', () => {
    expect(parseEnv(valid).METRICS_TOKEN).toBeUndefined()
    expect(parseEnv({ ...valid, METRICS_TOKEN: '  ' }).METRICS_TOKEN).toBeUndefined()
    expect(parseEnv({ ...valid, METRICS_TOKEN: 'm'.repeat(32) }).METRICS_TOKEN).toBe('m'.repeat(32))
    expect(problemsOf({ ...valid, METRICS_TOKEN: 'm'.repeat(31) })).toEqual([
      'METRICS_TOKEN must be at least 32 characters (openssl rand -base64 32), or unset to turn /api/metrics off',
    ])
  })
})
