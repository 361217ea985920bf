import { randomInt } from 'node:crypto'
import { test, expect } from './fixtures'
import { APP_URL, BRIDGE_PORT } from './support/config'
import { withBridge } from './support/bridge'
import { createLoginRequest } from './support/stand-in-api'
import { ledgerRow } from './support/ledger'

// Every new login request is a ledger row, so one address may bring only so many: a flood of
// GET /login with made-up ids is refused before it writes anything.

test.describe('new login requests per address', () => {
  test('case 32: past the limit an address gets the 429 page and no ledger row; reloads and other addresses go on', async ({ browser }) => {
    const overrides = { TRUSTED_PROXY_HOPS: '1', NEW_LOGIN_REQUESTS_PER_ADDRESS: '3' }
    await withBridge(BRIDGE_PORT + 16, overrides, async (bridge) => {
      const network = `10.${randomInt(256)}.${randomInt(256)}`
      const flooder = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': `${network}.1` } })
      const neighbour = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': `${network}.2` } })
      try {
        const page = await flooder.newPage()
        const requests = await Promise.all([1, 2, 3, 4].map(() => createLoginRequest()))
        const urls = requests.map((request) => request.loginUrl.replace(APP_URL, bridge.url))
        for (const url of urls.slice(0, 3)) expect((await page.goto(url))?.status()).toBe(200)
        const refused = await page.goto(urls[3]!)
        expect(refused?.status()).toBe(429)
        await expect(page.getByTestId('problem-code')).toHaveText('too_many_requests')
        expect(await ledgerRow(requests[3]!.loginRequestId)).toBeUndefined()

        // A reload of a request it already has is not new; another address is not affected.
        expect((await page.goto(urls[0]!))?.status()).toBe(200)
        expect((await (await neighbour.newPage()).goto(urls[3]!))?.status()).toBe(200)
        expect(await ledgerRow(requests[3]!.loginRequestId)).toMatchObject({ status: 'pending', ip: `${network}.2` })
      } finally {
        await flooder.close()
        await neighbour.close()
      }
    })
  })
})
