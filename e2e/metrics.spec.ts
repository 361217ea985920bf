import { test, expect } from './fixtures'
import { APP_URL, BRIDGE_PORT, METRICS_TOKEN } from './support/config'
import { createLoginRequest, setFault } from './support/stand-in-api'
import { createUser } from './support/users'
import { withBridge } from './support/bridge'

// /api/metrics on the main bridge (METRICS_TOKEN set by bridgeEnv()). Playwright runs one worker,
// so between two scrapes of one case only that case's logins count, and the deltas are exact.

type Scrape = Map<string, number>

/** One series per line, its labels sorted by name so a key reads the same whatever order they come in. */
function parseExposition(text: string): Scrape {
  const series: Scrape = new Map()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) throw new Error(`not an exposition line: ${line}`)
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:\\.|[^"\\])*)"/g)].map(([, k, v]) => `${k}=${v}`).sort()
    series.set(labels.length ? `${match[1]}{${labels.join(',')}}` : match[1]!, Number(match[3]))
  }
  return series
}

async function scrape(): Promise<{ text: string; series: Scrape }> {
  const response = await fetch(`${APP_URL}/api/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  expect(response.status).toBe(200)
  const text = await response.text()
  return { text, series: parseExposition(text) }
}

/**
 * The bridge's own series that moved between two scrapes. Histogram buckets and sums (times), token
 * fetches (the client's token may be fetched again at any call) and the audit stream's series are left out.
 */
function moved(before: Scrape, after: Scrape): Record<string, number> {
  const deltas: Record<string, number> = {}
  for (const [key, value] of after) {
    if (!key.startsWith('bridge_') || /_(bucket|sum)\{/.test(key) || key.startsWith('bridge_scalekit_token_fetches_total')) continue
    // The audit stream delivers in the background, whenever its worker polls: e2e/audit-stream.spec.ts counts it.
    if (key.startsWith('bridge_audit_')) continue
    const delta = value - (before.get(key) ?? 0)
    if (delta !== 0) deltas[key] = delta
  }
  return deltas
}

/** Each response has its own CSP nonce. */
function withoutNonce(text: string | null): string | null {
  return text?.replace(/'nonce-[A-Za-z0-9+/=]+'/g, "'nonce'") ?? null
}

/** What a page shows (its flight data also names the path asked for). */
function mainOf(html: string): string | undefined {
  return /<main[\s\S]*?<\/main>/.exec(html)?.[0]
}

test.describe('Prometheus metrics (/api/metrics)', () => {
  test('case 47: the scrape needs the bearer token; without METRICS_TOKEN the address is a 404', async ({ request }) => {
    for (const authorization of [undefined, 'Bearer not-the-metrics-token-0123456789abcdef', `Basic ${METRICS_TOKEN}`]) {
      const refused = await request.get('/api/metrics', { headers: authorization ? { authorization } : {} })
      expect(refused.status()).toBe(401)
      expect(refused.headers()['www-authenticate']).toBe('Bearer')
      expect(refused.headers()['cache-control']).toBe('no-store')
      expect(await refused.text()).toBe('')
    }
    const scraped = await request.get('/api/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    expect(scraped.status()).toBe(200)
    expect(scraped.headers()['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(scraped.headers()['cache-control']).toBe('no-store')
    expect(await scraped.text()).toContain('# TYPE bridge_login_outcomes_total counter')
    // The trailing slash goes to the same address, where the same rule applies.
    const slash = await request.get('/api/metrics/', { maxRedirects: 0 })
    expect(slash.status()).toBe(308)
    expect(slash.headers()['location']).toBe(`${APP_URL}/api/metrics`)

    await withBridge(BRIDGE_PORT + 30, { METRICS_TOKEN: '' }, async (bridge) => {
      const unknown = await fetch(`${bridge.url}/api/no-such-address`)
      const unknownPage = mainOf(await unknown.text())
      expect(unknownPage).toContain('Page not found')
      expect(unknown.status).toBe(404)
      for (const authorization of [undefined, `Bearer ${METRICS_TOKEN}`]) {
        const off = await fetch(`${bridge.url}/api/metrics`, { headers: authorization ? { authorization } : {} })
        expect(off.status).toBe(404)
        expect(off.headers.get('www-authenticate')).toBeNull()
        for (const header of ['content-type', 'cache-control', 'content-security-policy']) {
          expect(withoutNonce(off.headers.get(header)), header).toBe(withoutNonce(unknown.headers.get(header)))
        }
        expect(mainOf(await off.text())).toBe(unknownPage)
      }
    })
  })

  test('counts a known set of logins exactly, with no email or login request id in any label', async ({ page, context, loginPage }) => {
    // Verified already, so no verification message is sent (and counted) while the series are compared.
    const person = await createUser({ prefix: 'metrics', emailVerified: true })
    const before = (await scrape()).series

    // A refused password, then Scalekit refusing the profile: one failed login.
    await setFault('invalid_argument')
    const failed = await createLoginRequest()
    await loginPage.open(failed.loginUrl)
    await loginPage.signIn(person.email, 'not-the-password')
    await expect(loginPage.formMessage).toHaveText('The email or password is incorrect.')
    await loginPage.password.fill(person.password)
    await loginPage.signInButton.click()
    await loginPage.expectProblem('scalekit_rejected_user')
    await setFault('none')

    // A fresh browser signs in and completes; the same browser then cancels a third request.
    await context.clearCookies()
    const completed = await createLoginRequest()
    await loginPage.signInThrough(completed, person)
    const cancelled = await createLoginRequest()
    await loginPage.open(cancelled.loginUrl)
    await loginPage.cancelButton.click()
    await expect(page.getByText(`login request ${cancelled.loginRequestId} failed`)).toBeVisible()

    const after = await scrape()
    const update = 'operation=update_login_user_details'
    expect(moved(before, after.series)).toEqual({
      'bridge_login_requests_received_total{server=default}': 3,
      'bridge_login_outcomes_total{outcome=failed,reason=scalekit_rejected_user,server=default}': 1,
      'bridge_login_outcomes_total{outcome=completed,reason=none,server=default}': 1,
      'bridge_login_outcomes_total{outcome=cancelled,reason=none,server=default}': 1,
      'bridge_sign_ins_total{result=refused,source=local}': 1,
      'bridge_sign_ins_total{result=ok,source=local}': 2,
      [`bridge_scalekit_calls_total{${update},outcome=scalekit_rejected_user}`]: 1,
      [`bridge_scalekit_calls_total{${update},outcome=ok}`]: 2,
      [`bridge_scalekit_call_duration_seconds_count{${update}}`]: 3,
      'bridge_login_completion_duration_seconds_count{outcome=failed}': 1,
      'bridge_login_completion_duration_seconds_count{outcome=completed}': 1,
      'bridge_login_completion_duration_seconds_count{outcome=cancelled}': 1,
    })
    for (const leaked of [person.email, failed.loginRequestId, completed.loginRequestId, cancelled.loginRequestId, cancelled.state]) {
      expect(after.text).not.toContain(leaked)
    }
  })
})
