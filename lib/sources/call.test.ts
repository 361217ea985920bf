import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { COMPANY_API_USERS, startCompanyApi, type CompanyApi } from '../../e2e/upstreams/company-api'
import { resolveMapping, STANDARD_CLAIMS } from './claims'
import { checkCredentials } from './http'
import { appLoginUrl, checkAppSession, forwardedCookieHeader } from './session'
import type { SourceOfType } from './config'

const SECRET = 'source-calls-test-secret-0123456789'
const casey = COMPANY_API_USERS.casey

let api: CompanyApi
let whoami: http.Server
let whoamiUrl: string
let whoamiAnswer: { status: number; body: string; headers?: Record<string, string> } = { status: 401, body: '{}' }
let whoamiCookies: Array<string | undefined> = []

beforeAll(async () => {
  api = await startCompanyApi({ port: 0, secretHeader: 'x-bridge-secret', secret: SECRET })
  whoami = http.createServer((req, res) => {
    whoamiCookies.push(req.headers.cookie)
    res.writeHead(whoamiAnswer.status, { 'content-type': 'application/json', ...whoamiAnswer.headers }).end(whoamiAnswer.body)
  })
  await new Promise<void>((resolve) => whoami.listen(0, '127.0.0.1', resolve))
  whoamiUrl = `http://127.0.0.1:${(whoami.address() as AddressInfo).port}/api/me`
})

afterAll(async () => {
  await api.close()
  await new Promise<void>((resolve) => whoami.close(() => resolve()))
})

beforeEach(async () => {
  await fetch(`${api.url}/_company-api/reset`, { method: 'POST', body: '{}' })
  whoamiCookies = []
})

function httpSource(overrides: Partial<SourceOfType<'http'>> = {}): SourceOfType<'http'> {
  return {
    id: 'corp',
    type: 'http',
    name: 'Company account',
    url: `${api.url}/verify`,
    secretHeader: 'x-bridge-secret',
    secret: SECRET,
    timeoutMs: 500,
    claims: resolveMapping({ sub: 'employee_id', email: 'work_email', emailVerified: 'email_confirmed' }),
    ...overrides,
  }
}

describe('checkCredentials (http source)', () => {
  it('accepts, refuses, and reports each fault of the credential API as a value', async () => {
    expect(await checkCredentials(httpSource(), casey.email, casey.password)).toMatchObject({
      outcome: 'accepted',
      identity: { ok: true, profile: { source: 'corp', subject: 'emp-1001', email: casey.email, emailVerified: true } },
    })
    expect(await checkCredentials(httpSource(), casey.email, 'wrong')).toEqual({ outcome: 'refused' })
    // A wrong shared secret (403) is the bridge's misconfiguration, not a wrong password.
    expect(await checkCredentials(httpSource({ secret: 'x'.repeat(16) }), casey.email, casey.password)).toEqual({
      outcome: 'failed',
      failure: { reason: 'unavailable', detail: 'HTTP 403' },
    })

    const withFault = async (mode: string, delayMs?: number) => {
      await fetch(`${api.url}/_company-api/faults`, { method: 'POST', body: JSON.stringify({ mode, delayMs }) })
      return checkCredentials(httpSource(), casey.email, casey.password)
    }
    expect(await withFault('slow', 2000)).toEqual({ outcome: 'failed', failure: { reason: 'timeout', detail: 'no answer within 500 ms' } })
    expect(await withFault('http500')).toEqual({ outcome: 'failed', failure: { reason: 'unavailable', detail: 'HTTP 500' } })
    expect(await withFault('malformed')).toEqual({
      outcome: 'failed',
      failure: { reason: 'invalid_response', detail: 'HTTP 200 with a body that is not JSON' },
    })
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    expect(await checkCredentials(httpSource({ url: `http://127.0.0.1:${closedPort}/verify` }), casey.email, casey.password)).toEqual({
      outcome: 'failed',
      failure: { reason: 'unavailable', detail: 'could not connect (ECONNREFUSED)' },
    })
  })
})

describe('checkAppSession (session source)', () => {
  const source = (): SourceOfType<'session'> => ({
    id: 'app',
    type: 'session',
    name: 'Company app',
    whoamiUrl,
    cookies: ['sid', 'sid_legacy'],
    loginUrl: 'https://app.example.test/login?lang=en',
    returnToParam: 'return_to',
    timeoutMs: 500,
    claims: STANDARD_CLAIMS,
  })

  it('forwards only the configured cookies, and asks nothing when the browser has none of them', async () => {
    expect(forwardedCookieHeader('byoa_login=abc; sid=s1; authjs.session-token=t; sid_legacy=s2; other', ['sid', 'sid_legacy'])).toBe(
      'sid=s1; sid_legacy=s2',
    )
    expect(forwardedCookieHeader('sidx=1; xsid=2', ['sid'])).toBeNull()

    whoamiAnswer = { status: 200, body: JSON.stringify({ sub: 'u1', email: 'dana@example.test', email_verified: true, name: 'Dana' }) }
    expect(await checkAppSession(source(), 'authjs.session-token=t; sid=s1')).toMatchObject({
      outcome: 'signed_in',
      identity: { ok: true, profile: { subject: 'u1', email: 'dana@example.test', name: 'Dana' } },
    })
    expect(await checkAppSession(source(), 'authjs.session-token=t')).toEqual({ outcome: 'signed_out' })
    expect(whoamiCookies).toEqual(['sid=s1'])
  })

  it('reads 401, 403 and a redirect as signed out, other answers as faults', async () => {
    for (const answer of [
      { status: 401, body: '{}' },
      { status: 403, body: '{}' },
      { status: 302, body: '', headers: { location: '/login' } },
    ]) {
      whoamiAnswer = answer
      expect(await checkAppSession(source(), 'sid=s1')).toEqual({ outcome: 'signed_out' })
    }
    whoamiAnswer = { status: 200, body: '["not", "an", "object"]' }
    expect(await checkAppSession(source(), 'sid=s1')).toEqual({
      outcome: 'failed',
      failure: { reason: 'invalid_response', detail: 'HTTP 200 with JSON that is not an object' },
    })
    whoamiAnswer = { status: 502, body: 'bad gateway' }
    expect(await checkAppSession(source(), 'sid=s1')).toEqual({ outcome: 'failed', failure: { reason: 'unavailable', detail: 'HTTP 502' } })
  })

  it('sends the person to the company login with a way back, keeping its own query', () => {
    expect(appLoginUrl(source(), 'http://localhost:3000/login?login_request_id=l1&state=s+1')).toBe(
      'https://app.example.test/login?lang=en&return_to=http%3A%2F%2Flocalhost%3A3000%2Flogin%3Flogin_request_id%3Dl1%26state%3Ds%2B1',
    )
  })
})

describe('reading an answer (case 36)', () => {
  it('case 36: stops reading past 64 KB while the answer streams, instead of waiting for all of it', async () => {
    // An app that never stops answering: only a byte limit applied while reading can end this early.
    const endless = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"id":"')
      const timer = setInterval(() => res.write('x'.repeat(16 * 1024)), 5)
      res.on('close', () => clearInterval(timer))
    })
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/api/me`
      const source: SourceOfType<'session'> = {
        id: 'app',
        type: 'session',
        name: 'App',
        whoamiUrl: url,
        cookies: ['sid'],
        loginUrl: 'https://app.example.test/login',
        returnToParam: 'return_to',
        timeoutMs: 10_000,
        claims: resolveMapping({ sub: 'id' }),
      }
      const started = Date.now()
      const check = await checkAppSession(source, 'sid=1')
      expect(check).toEqual({ outcome: 'failed', failure: { reason: 'invalid_response', detail: 'the answer is larger than 64 KB' } })
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      endless.closeAllConnections()
      await new Promise<void>((resolve) => endless.close(() => resolve()))
    }
  })
})
