import { test, expect } from './fixtures'
import { APP_URL, BRIDGE_PORT, bridgeEnv } from './support/config'
import { runBridgeExpectingExit } from './support/bridge'

// Cases 8 and 19: Auth.js's own endpoints keep every redirect on the bridge, and a bridge without
// AUTH_SECRET or with a broken identity source refuses to start instead of running half-configured.

const OFF_SITE = ['https://evil.example/steal', '//evil.example/steal', '/\\evil.example/steal']

test.describe('next-auth (cases 8 and 19)', () => {
  for (const callbackUrl of OFF_SITE) {
    test(`case 8: callbackUrl ${JSON.stringify(callbackUrl)} stays on the bridge's origin, after sign-in and sign-out`, async ({
      playwright,
      user,
    }) => {
      const api = await playwright.request.newContext({ baseURL: APP_URL })
      const { csrfToken } = (await (await api.get('/api/auth/csrf')).json()) as { csrfToken: string }
      const signedIn = await api.post('/api/auth/callback/local', {
        form: { csrfToken, email: user.email, password: user.password, callbackUrl },
        maxRedirects: 0,
      })
      expect(signedIn.status()).toBe(302)
      expect(new URL(signedIn.headers().location ?? '', APP_URL).origin).toBe(APP_URL)
      expect(signedIn.headers().location).toBe(`${APP_URL}`)

      const signedOut = await api.post('/api/auth/signout', { form: { csrfToken, callbackUrl }, maxRedirects: 0 })
      expect(signedOut.status()).toBe(302)
      expect(signedOut.headers().location).toBe(`${APP_URL}`)

      // The sign-in page's own callbackUrl parameter is cleaned the same way.
      const signInPage = await api.get(`/api/auth/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`, { maxRedirects: 0 })
      expect(signInPage.status()).toBe(302)
      const target = new URL(signInPage.headers().location ?? '', APP_URL)
      expect(target.origin).toBe(APP_URL)
      expect(target.searchParams.get('callbackUrl') ?? APP_URL).not.toContain('evil.example')
      await api.dispose()
    })
  }

  test('case 19: without AUTH_SECRET the server refuses to start and says so', async () => {
    const { AUTH_SECRET: _omitted, ...env } = bridgeEnv({ APP_URL: `http://localhost:${BRIDGE_PORT + 13}` })
    expect(process.env.AUTH_SECRET).toBeUndefined()
    const result = await runBridgeExpectingExit(BRIDGE_PORT + 13, env)
    expect(result.code).toBe(1)
    expect(result.output).toContain('The bridge is not configured correctly')
    expect(result.output).toContain('AUTH_SECRET is required: at least 32 random characters')
  })

  test('case 19: a broken identity source (an OIDC IdP without issuer) refuses to start and names it', async () => {
    const result = await runBridgeExpectingExit(BRIDGE_PORT + 13, {
      ...bridgeEnv({ APP_URL: `http://localhost:${BRIDGE_PORT + 13}` }),
      IDENTITY_SOURCES: JSON.stringify([
        { id: 'local', type: 'local' },
        { id: 'acme', type: 'oidc', clientId: 'bridge' },
      ]),
    })
    expect(result.code).toBe(1)
    expect(result.output).toContain('The bridge is not configured correctly')
    expect(result.output).toMatch(/IDENTITY_SOURCES\[1\] \(acme\)\.issuer/)
  })
})
