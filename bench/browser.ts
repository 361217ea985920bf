import { performance } from 'node:perf_hooks'
import { signInFormHiddenInputs } from '../e2e/support/forms'
import { loginUrlOn } from '../e2e/support/sources'
import { expectedPartnerCallback } from '../e2e/stand-in/partner-callback'
import { benchUser, createLoginRequest, errorText, REQUEST_TIMEOUT_MS, type Credentials } from './harness'

// A browser without JavaScript over plain HTTP: a cookie jar per profile and origin, each request timed, and the sign-in form's login.

/** One browser profile's cookies for one origin (enough for a loopback benchmark: no paths, no expiry). */
class CookieJar extends Map<string, string> {
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? ''
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const expired = /;\s*max-age=0\b/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line)
      if (expired || value === '') this.delete(name)
      else this.set(name, value)
    }
  }

  header(): string {
    return [...this].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

/** One origin's cookies (the bridge's, or the IdP's), timed request by request: from the request to the end of the body. */
export class Origin {
  readonly jar = new CookieJar()
  constructor(readonly origin: string) {}

  async send(url: string, init: RequestInit = {}): Promise<{ response: Response; body: string; window: { from: number; to: number } }> {
    const headers = new Headers(init.headers)
    const cookie = this.jar.header()
    if (cookie) headers.set('cookie', cookie)
    const from = performance.now()
    const response = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const body = await response.text()
    const to = performance.now()
    this.jar.store(response)
    return { response, body, window: { from, to } }
  }
}

/** A login that did not end as it must; its message is shown as is. */
export class LoginFailure extends Error {}

export function fail(message: string): never {
  throw new LoginFailure(message)
}

/** Where a URL goes, without its query (which holds codes and states), for error messages. */
export const shown = (url: URL | string) => `${new URL(url).origin}${new URL(url).pathname}`

export function multipart(fields: Array<[string, string]>): FormData {
  const form = new FormData()
  for (const [name, value] of fields) form.append(name, value)
  return form
}

export const samePost = (origin: string) => ({ origin, 'sec-fetch-site': 'same-origin' })

/** One person in a fresh profile: GET a new login request's link, POST the sign-in form, expect the 303 to exactly partner:callback. */
export async function browserLogin(appUrl: string, standInUrl: string, connectionId: string, person: { email: string; password: string }) {
  const started = performance.now()
  const bridge = new Origin(appUrl)
  // The stand-in's login request once created; whether GET /login was sent (so the bridge may have recorded it); the form's hidden inputs.
  const attempt = {
    ok: false,
    error: undefined as string | undefined,
    request: null as Awaited<ReturnType<typeof createLoginRequest>> | null,
    reachedBridge: false,
    form: [] as Array<[string, string]>,
    postStatus: null as number | null,
    location: null as string | null,
    bridge,
    getMs: NaN,
    postMs: NaN,
    postWindow: { from: NaN, to: NaN },
    totalMs: NaN,
  }
  const failed = (error: string) => ({ ...attempt, error, totalMs: performance.now() - started })
  try {
    const request = (attempt.request = await createLoginRequest(standInUrl))
    const loginUrl = loginUrlOn(appUrl, request)
    attempt.reachedBridge = true
    const page = await bridge.send(loginUrl)
    attempt.getMs = page.window.to - page.window.from
    if (page.response.status !== 200) return failed(`GET /login answered ${page.response.status}`)
    if (!bridge.jar.has('byoa_login')) return failed('GET /login set no byoa_login cookie')
    const hidden = signInFormHiddenInputs(page.body)
    if (!hidden) return failed('no sign-in form in the page')
    if (!hidden.some(([name]) => name.startsWith('$ACTION_'))) return failed('the sign-in form has no server-action fields')
    attempt.form = hidden
    const fields: Array<[string, string]> = [...hidden, ['email', person.email], ['password', person.password]]
    const post = await bridge.send(loginUrl, { method: 'POST', body: multipart(fields), headers: samePost(appUrl) })
    attempt.postWindow = post.window
    attempt.postMs = post.window.to - post.window.from
    attempt.postStatus = post.response.status
    attempt.location = post.response.headers.get('location')
    if (post.response.status !== 303) return failed(`POST /login answered ${post.response.status}, not 303`)
    if (attempt.location !== expectedPartnerCallback(standInUrl, connectionId, request.state))
      return failed(`POST /login redirected to ${attempt.location?.split('?')[0] ?? 'nowhere'} instead of partner:callback`)
    return { ...attempt, ok: true, totalMs: performance.now() - started }
  } catch (error) {
    return failed(errorText(error))
  }
}

export type LoginAttempt = Awaited<ReturnType<typeof browserLogin>>

export const benchUserLogin = (appUrl: string, standInUrl: string, credentials: Credentials, person: number) =>
  browserLogin(appUrl, standInUrl, credentials.connectionId, { email: benchUser(person).email, password: credentials.userPassword })
