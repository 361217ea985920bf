import { afterEach, describe, expect, it, vi } from 'vitest'

// /api/metrics itself (app/api/metrics/route.ts): a 404 without METRICS_TOKEN, a bare 401 without
// the right bearer token, the scrape with it.

const TOKEN = 'metrics-token-0123456789abcdef0123456789'

const env = {
  APP_URL: 'https://login.example.com',
  SESSION_SECRET: 'x'.repeat(32),
  AUTH_SECRET: 'y'.repeat(32),
  SCALEKIT_ENVIRONMENT_URL: 'https://acme.scalekit.dev',
  SCALEKIT_CLIENT_ID: 'skc_1',
  SCALEKIT_CLIENT_SECRET: 'top-secret',
  SCALEKIT_CONNECTION_ID: 'conn_12345',
}

/** The route as a fresh process with this environment would load it (lib/env.ts reads it once). */
async function routeWith(token: string | undefined) {
  vi.resetModules()
  vi.unstubAllEnvs()
  for (const [key, value] of Object.entries({ ...env, METRICS_TOKEN: token ?? '' })) vi.stubEnv(key, value)
  return import('../../../app/api/metrics/route')
}

function scrape(authorization?: string): Request {
  return new Request('https://login.example.com/api/metrics', { headers: authorization ? { authorization } : {} })
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('/api/metrics', () => {
  it('case 47: is not there while METRICS_TOKEN is unset, even with a bearer token', async () => {
    const { GET } = await routeWith(undefined)
    // notFound(): Next.js answers with its own 404, as for any address it does not have.
    await expect(GET(scrape(`Bearer ${TOKEN}`))).rejects.toMatchObject({ digest: 'NEXT_HTTP_ERROR_FALLBACK;404' })
  })

  it('case 47: answers 401 with only the scheme to a request without the right bearer token', async () => {
    const { GET } = await routeWith(TOKEN)
    for (const authorization of [
      undefined,
      'Bearer',
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Basic ${Buffer.from(`prometheus:${TOKEN}`).toString('base64')}`,
      TOKEN,
      `Bearer ${TOKEN} extra`,
    ]) {
      const response = await GET(scrape(authorization))
      expect(response.status, String(authorization)).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await response.text()).toBe('')
    }
  })

  it('case 47: gives the scrape to the right bearer token, uncached, in the exposition format', async () => {
    const { GET } = await routeWith(TOKEN)
    const { countLoginReceived } = await import('.')
    countLoginReceived('default')
    for (const authorization of [`Bearer ${TOKEN}`, `bearer  ${TOKEN}`]) {
      const response = await GET(scrape(authorization))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
      expect(response.headers.get('cache-control')).toBe('no-store')
      const body = await response.text()
      expect(body).toContain('# TYPE bridge_login_requests_received_total counter\n')
      expect(body).toContain('\nbridge_login_requests_received_total{server="default"} 1\n')
      expect(body).toContain('\nprocess_cpu_user_seconds_total ')
      expect(body).not.toContain(TOKEN)
    }
  })

  it('declares the Node.js runtime and is never prerendered', async () => {
    const route = await routeWith(TOKEN)
    expect(route.runtime).toBe('nodejs')
    expect(route.dynamic).toBe('force-dynamic')
  })
})
