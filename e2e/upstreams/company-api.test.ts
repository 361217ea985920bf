import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { COMPANY_API_USERS, MALFORMED_PROFILE_BODY, startCompanyApi, type CompanyApi } from './company-api'

const SECRET_HEADER = 'x-bridge-secret'
const SECRET = 'company-api-test-secret-0123456789'
const CASEY = COMPANY_API_USERS.casey

let api: CompanyApi

beforeAll(async () => {
  api = await startCompanyApi({ port: 0, secretHeader: SECRET_HEADER, secret: SECRET })
})

afterAll(async () => {
  await api.close()
})

beforeEach(async () => {
  expect((await control('/_company-api/reset')).status).toBe(200)
})

function control(path: string, body?: unknown): Promise<Response> {
  return fetch(`${api.url}${path}`, { method: 'POST', body: JSON.stringify(body ?? {}) })
}

function verify(body: unknown, headers: Record<string, string> = { [SECRET_HEADER]: SECRET }): Promise<Response> {
  return fetch(`${api.url}/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

describe('POST /verify', () => {
  it('answers the profile for the right credentials', async () => {
    const response = await verify({ email: CASEY.email, password: CASEY.password })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual(CASEY.profile)
  })

  it('answers 401 for a wrong password or an unknown email', async () => {
    for (const credentials of [
      { email: CASEY.email, password: 'not-the-password' },
      { email: 'nobody@company.test', password: CASEY.password },
    ]) {
      const response = await verify(credentials)
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({ error: 'invalid_credentials' })
    }
  })

  it('answers 403 without the shared secret or with a wrong one', async () => {
    const wrongHeaders: Array<Record<string, string>> = [{}, { [SECRET_HEADER]: 'wrong-secret' }]
    for (const headers of wrongHeaders) {
      const response = await verify({ email: CASEY.email, password: CASEY.password }, headers)
      expect(response.status).toBe(403)
      expect(await response.json()).toEqual({ error: 'forbidden' })
    }
  })

  it('answers 400 for a body that is not JSON or lacks a field', async () => {
    for (const body of ['email=casey', { email: CASEY.email }, { password: CASEY.password }, [CASEY.email]]) {
      expect((await verify(body)).status).toBe(400)
    }
  })

  it('records the headers and email of the last call, never the password', async () => {
    await verify({ email: CASEY.email, password: CASEY.password })
    const calls = await (await fetch(`${api.url}/_company-api/calls`)).json()
    expect(calls).toMatchObject({ count: 1, last: { email: CASEY.email, headers: { [SECRET_HEADER]: SECRET } } })
    expect(JSON.stringify(calls)).not.toContain(CASEY.password)
  })
})

describe('faults', () => {
  it('slow waits delayMs before answering normally', async () => {
    expect((await control('/_company-api/faults', { mode: 'slow', delayMs: 300 })).status).toBe(200)
    const started = performance.now()
    const response = await verify({ email: CASEY.email, password: CASEY.password })
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual(CASEY.profile)
  })

  it('http500 answers a plain-text 500', async () => {
    await control('/_company-api/faults', { mode: 'http500' })
    const response = await verify({ email: CASEY.email, password: CASEY.password })
    expect(response.status).toBe(500)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
  })

  it('malformed answers 200 application/json that does not parse', async () => {
    await control('/_company-api/faults', { mode: 'malformed' })
    const response = await verify({ email: CASEY.email, password: CASEY.password })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    const body = await response.text()
    expect(body).toBe(MALFORMED_PROFILE_BODY)
    expect(() => JSON.parse(body)).toThrow(SyntaxError)
  })

  it('reset turns faults off and clears the calls', async () => {
    await control('/_company-api/faults', { mode: 'http500' })
    await verify({ email: CASEY.email, password: CASEY.password })
    await control('/_company-api/reset')
    expect(await (await fetch(`${api.url}/_company-api/calls`)).json()).toEqual({ count: 0, last: null })
    expect((await verify({ email: CASEY.email, password: CASEY.password })).status).toBe(200)
  })

  it('rejects an unknown fault mode', async () => {
    expect((await control('/_company-api/faults', { mode: 'teapot' })).status).toBe(400)
  })
})
