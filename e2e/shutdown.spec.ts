import { test, expect } from './fixtures'
import { startBridge, type RunningBridge } from './support/bridge'
import { createLoginRequest, readLoginRequest, setFault } from './support/stand-in-api'
import { ledgerEvents, ledgerRow } from './support/ledger'
import { partnerCallback } from './support/flows'
import { APP_URL, SCALEKIT_URL } from './support/config'

// SIGTERM during a login, on the standalone server the container image runs: readiness turns 503
// at once, the completion in flight still ends on partner:callback, then the process exits 0.

const SHUTDOWN_PORT = 3801
const TIMEOUT_PORT = 3802
/** Scalekit answers the update this late: the window in which the signal arrives. */
const SCALEKIT_DELAY_MS = 4000

interface LogLine {
  event: string
  [field: string]: unknown
}

function events(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
}

async function readyStatus(bridge: RunningBridge): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${bridge.url}/api/ready`)
  return { status: response.status, body: await response.json() }
}

let bridge: RunningBridge | undefined

test.afterEach(async () => {
  await bridge?.stop()
  bridge = undefined
})

test.describe('graceful shutdown', () => {
  test('SIGTERM during a completion: ready 503 draining, the login still reaches partner:callback, exit 0', async ({
    page,
    loginPage,
    user,
  }) => {
    bridge = await startBridge(SHUTDOWN_PORT, { SCALEKIT_TIMEOUT_MS: '10000', SHUTDOWN_TIMEOUT_SECONDS: '20' }, { standalone: true })
    const running = bridge
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl.replace(APP_URL, running.url))
    expect(await readyStatus(running)).toMatchObject({ status: 200, body: { status: 'ready' } })

    await setFault('slow', SCALEKIT_DELAY_MS)
    const callback = page.waitForRequest((r) => r.url().startsWith(`${SCALEKIT_URL}/sso/`))
    const signedIn = Date.now()
    await loginPage.email.fill(user.email)
    await loginPage.password.fill(user.password)
    await loginPage.signInButton.click()
    // The update is on its way to Scalekit once the ledger has it as submitted.
    await expect.poll(() => ledgerEvents(request.loginRequestId)).toContain('submitted')
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'submitting' })

    const exited = running.signal('SIGTERM')
    await expect.poll(() => readyStatus(running)).toEqual({ status: 503, body: { status: 'draining' } })
    const health = await fetch(`${running.url}/api/health`)
    expect(health.status).toBe(200)
    expect(Date.now() - signedIn).toBeLessThan(SCALEKIT_DELAY_MS)

    expect((await callback).url()).toBe(partnerCallback(request.state))
    await expect(page.getByText(`Scalekit stand-in: login request ${request.loginRequestId} completed`)).toBeVisible()
    expect(await exited).toBe(0)
    expect(await readLoginRequest(request.loginRequestId)).toMatchObject({ userDetailsCalls: 1, status: 'callback_used' })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'completed', user_email: user.email })
    await expect(fetch(`${running.url}/api/health`)).rejects.toThrow()

    const log = events(running.output())
    expect(log.find((line) => line.event === 'shutdown_signal')).toMatchObject({ signal: 'SIGTERM' })
    expect(log.find((line) => line.event === 'shutdown_started')).toMatchObject({ inFlight: 1, timeoutMs: 20_000 })
    expect(log.find((line) => line.event === 'shutdown_listener_closed')).toMatchObject({ listeners: 1 })
    expect(log.find((line) => line.event === 'shutdown_finished')).toMatchObject({ finished: true, abandoned: 0 })
    const order = log.map((line) => line.event).filter((event) => event.startsWith('shutdown_') || event === 'login_completed')
    expect(order).toEqual(['shutdown_signal', 'shutdown_started', 'login_completed', 'shutdown_listener_closed', 'shutdown_finished'])
  })

  test('a completion still in flight at SHUTDOWN_TIMEOUT_SECONDS is abandoned: exit 1, the ledger keeps it submitting', async ({
    page,
    loginPage,
    user,
  }) => {
    bridge = await startBridge(TIMEOUT_PORT, { SCALEKIT_TIMEOUT_MS: '30000', SHUTDOWN_TIMEOUT_SECONDS: '1' }, { standalone: true })
    const running = bridge
    const request = await createLoginRequest()
    await loginPage.open(request.loginUrl.replace(APP_URL, running.url))
    await setFault('slow', 20_000)
    const callbacks: string[] = []
    page.on('request', (r) => void (r.url().startsWith(`${SCALEKIT_URL}/sso/`) && callbacks.push(r.url())))
    await loginPage.email.fill(user.email)
    await loginPage.password.fill(user.password)
    await loginPage.signInButton.click()
    await expect.poll(() => ledgerEvents(request.loginRequestId)).toContain('submitted')

    const signalled = Date.now()
    expect(await running.signal('SIGTERM')).toBe(1)
    // One second for the logins, at least one more for the listener, the hooks within it.
    expect(Date.now() - signalled).toBeLessThan(5000)
    expect(callbacks).toEqual([])
    expect(events(running.output()).find((line) => line.event === 'shutdown_finished')).toMatchObject({ finished: false, abandoned: 1 })
    expect(await ledgerRow(request.loginRequestId)).toMatchObject({ status: 'submitting' })
  })
})
