import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { COMPANY_APP_USERS, PREFS_COOKIE, SESSION_COOKIE, startCompanyApp, type CompanyApp } from './company-app'

const ALLOWED_ORIGIN = 'http://localhost:3999'
const DANA = COMPANY_APP_USERS.dana

let app: CompanyApp

beforeAll(async () => {
  app = await startCompanyApp({ port: 0, allowedReturnOrigins: [ALLOWED_ORIGIN] })
})

afterAll(async () => {
  await app.close()
})

beforeEach(async () => {
  expect((await control('/_company-app/reset')).status).toBe(200)
})

function control(path: string, body?: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', body: JSON.stringify(body ?? {}) })
}

function postLogin(fields: Record<string, string>): Promise<Response> {
  return fetch(`${app.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  })
}

/** Signs Dana in; resolves with the session cookie as a Cookie header pair. */
async function signInDana(): Promise<string> {
  const response = await postLogin({ email: DANA.email, password: DANA.password, return_to: ALLOWED_ORIGIN })
  const session = response.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`))
  return session?.split(';')[0] ?? ''
}

function getMe(cookie?: string): Promise<Response> {
  return fetch(`${app.url}/api/me`, { headers: cookie ? { cookie } : {} })
}

describe('sign-in', () => {
  it('renders the login form carrying return_to', async () => {
    const response = await fetch(`${app.url}/login?return_to=${encodeURIComponent(`${ALLOWED_ORIGIN}/login?x="1"`)}`)
    const html = await response.text()
    expect(response.status).toBe(200)
    expect(html).toContain('<h1>Company app sign-in</h1>')
    expect(html).toContain('<button type="submit">Sign in to Company app</button>')
    expect(html).toContain(`name="return_to" value="${ALLOWED_ORIGIN}/login?x=&quot;1&quot;"`)
  })

  it('sets the session and prefs cookies and returns to an allowed origin', async () => {
    const returnTo = `${ALLOWED_ORIGIN}/login?step=company`
    const response = await postLogin({ email: DANA.email, password: DANA.password, return_to: returnTo })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(returnTo)
    const cookies = response.headers.getSetCookie()
    expect(cookies).toHaveLength(2)
    expect(cookies[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=[\\w-]{20,}; HttpOnly; SameSite=Lax; Path=/$`))
    expect(cookies[1]).toBe(`${PREFS_COOKIE}=theme-dark; Path=/`)
  })

  it('sends the browser home instead of to an origin it does not know', async () => {
    for (const returnTo of ['http://evil.test/steal', 'http://localhost:3998/', '//evil.test/', 'javascript:alert(1)', '']) {
      const response = await postLogin({ email: DANA.email, password: DANA.password, return_to: returnTo })
      expect(response.status).toBe(303)
      expect(response.headers.get('location')).toBe('/')
    }
  })

  it('re-renders the form on wrong credentials, without cookies', async () => {
    const response = await postLogin({ email: DANA.email, password: 'wrong', return_to: ALLOWED_ORIGIN })
    expect(response.status).toBe(401)
    expect(response.headers.getSetCookie()).toEqual([])
    expect(await response.text()).toContain('Wrong email or password')
  })
})

describe('GET /api/me', () => {
  it('answers the profile for a valid session and 401 otherwise', async () => {
    const session = await signInDana()
    const signedIn = await getMe(`${session}; ${PREFS_COOKIE}=theme-dark`)
    expect(signedIn.status).toBe(200)
    expect(await signedIn.json()).toEqual(DANA.profile)

    for (const cookie of [undefined, `${SESSION_COOKIE}=unknown-session`]) {
      const response = await getMe(cookie)
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({ error: 'not_signed_in' })
    }
  })

  it('records the cookie names of each call, in order', async () => {
    const session = await signInDana()
    await getMe(`${session}; ${PREFS_COOKIE}=theme-dark`)
    await getMe(session)
    await getMe()
    expect(await (await fetch(`${app.url}/_company-app/calls`)).json()).toEqual({
      count: 3,
      cookieNames: [[SESSION_COOKIE, PREFS_COOKIE], [SESSION_COOKIE], []],
    })
  })

  it('ends the session on logout', async () => {
    const session = await signInDana()
    const response = await fetch(`${app.url}/logout`, { method: 'POST', headers: { cookie: session }, redirect: 'manual' })
    expect(response.status).toBe(303)
    expect((await getMe(session)).status).toBe(401)
  })

  it('honours the slow and http500 faults', async () => {
    const session = await signInDana()
    await control('/_company-app/faults', { mode: 'slow', delayMs: 300 })
    const started = performance.now()
    expect((await getMe(session)).status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)

    await control('/_company-app/faults', { mode: 'http500' })
    expect((await getMe(session)).status).toBe(500)
  })
})

it('serves a home page', async () => {
  const response = await fetch(app.url)
  expect(response.status).toBe(200)
  expect(await response.text()).toContain('<h1>Company app home</h1>')
})
