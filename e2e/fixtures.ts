import { test as base, expect } from '@playwright/test'
import { LoginPage } from './pages/login-page'
import { recordSecret } from './support/issued-secrets'
import { createUser, type TestUser } from './support/users'
import { setBridgeLoginUrl, setFault } from './support/stand-in-api'
import { resetUpstreams } from './support/upstreams-api'

export const test = base.extend<{ loginPage: LoginPage; user: TestUser; cleanFaults: void }, { workerUser: TestUser }>({
  workerUser: [async ({}, use) => use(await createUser({ prefix: 'worker' })), { scope: 'worker' }],
  user: async ({ workerUser }, use) => use(workerUser),
  loginPage: async ({ page }, use) => use(new LoginPage(page)),
  // The HttpOnly cookies a case's browser is given (the bridge's sealed login requests, Auth.js's
  // session, CSRF, PKCE, state and nonce cookies, the company app's session) are secrets too: the
  // run's log scan checks that none of them reached a log. Read from every Set-Cookie, so a
  // cookie that was cleared before the case ended counts as well.
  context: async ({ context }, use) => {
    const reading: Array<Promise<void>> = []
    context.on('response', (response) => {
      reading.push(
        response.headersArray().then(
          (headers) => {
            for (const { name, value } of headers) {
              if (name.toLowerCase() !== 'set-cookie') continue
              for (const cookie of value.split('\n')) {
                const secret = httpOnlyCookieValue(cookie)
                if (secret) recordSecret('browser_cookie', secret)
              }
            }
          },
          () => {}, // the response went away with its page; its cookies are read below if kept
        ),
      )
    })
    await use(context)
    await Promise.all(reading)
    for (const cookie of await context.cookies()) {
      if (cookie.httpOnly) recordSecret('browser_cookie', cookie.value)
    }
  },
  // A case that injects a fault (Scalekit's or an upstream's) must not leak it into the next one.
  cleanFaults: [
    async ({}, use) => {
      await use()
      await setFault('none')
      await setBridgeLoginUrl(null)
      await resetUpstreams()
    },
    { auto: true },
  ],
})

export { expect }

/** The value of a Set-Cookie line when the cookie is HttpOnly and not being cleared. */
function httpOnlyCookieValue(setCookie: string): string | undefined {
  const [pair = '', ...attributes] = setCookie.split(';')
  const separator = pair.indexOf('=')
  if (separator < 0) return undefined
  const value = pair.slice(separator + 1).trim()
  const httpOnly = attributes.some((attribute) => attribute.trim().toLowerCase() === 'httponly')
  return httpOnly && value !== '' ? value : undefined
}
