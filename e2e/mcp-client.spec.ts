import http from 'node:http'
import { test, expect } from './fixtures'
import { decodeJwt } from 'jose'
import { DEMO_CLIENT_URL, MCP_URL, SCALEKIT_URL, RESOURCE_ID } from './support/config'
import { startMcpClientLogin } from './stand-in/mcp-test-client'
import { ledgerRow } from './support/ledger'

/** The loopback redirect listener a desktop MCP client runs while it waits for the browser. */
async function startRedirectListener(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window and return to your MCP client.')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as import('node:net').AddressInfo
  return {
    url: `http://127.0.0.1:${port}/oauth/callback`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

test.describe('a real MCP client', () => {
  test('connects through Scalekit to our /login and calls a tool as the signed-in user', async ({ page, loginPage, user }) => {
    const listener = await startRedirectListener()
    const client = await startMcpClientLogin({ mcpUrl: MCP_URL, redirectUrl: listener.url })
    try {
      const authorize = new URL(client.authorizationUrl)
      expect(authorize.origin).toBe(SCALEKIT_URL)
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')

      await page.goto(client.authorizationUrl)
      await expect(page).toHaveURL(/\/login\?login_request_id=lri_/)
      const loginRequestId = new URL(page.url()).searchParams.get('login_request_id')!
      await loginPage.signIn(user.email, user.password)
      await page.waitForURL(`${listener.url}?**`)

      await client.finishWithRedirect(page.url())
      const result = await client.callTool('whoami')
      const text = (result.content as Array<{ type: string; text: string }>)[0]!.text
      expect(JSON.parse(text)).toMatchObject({ email: user.email, name: user.name })

      const claims = decodeJwt(client.accessToken()!)
      expect(claims).toMatchObject({ iss: `${SCALEKIT_URL}/resources/${RESOURCE_ID}`, aud: MCP_URL, email: user.email })
      expect(await ledgerRow(loginRequestId)).toMatchObject({ status: 'completed', user_email: user.email, user_sub: claims.sub })
    } finally {
      await client.close()
      await listener.close()
    }
  })

  test('the demo web client shows the token claims and the tool result', async ({ page, loginPage, user }) => {
    await page.goto(DEMO_CLIENT_URL)
    await page.getByRole('button', { name: 'Connect to the MCP server' }).click()
    await expect(page).toHaveURL(/\/login\?login_request_id=lri_/)
    await loginPage.signIn(user.email, user.password)
    // The callback page is rendered once the client has exchanged the code and called the tool; a
    // page that never gets there fails with what it shows instead (a form message, an error page).
    await page.waitForURL(`${DEMO_CLIENT_URL}/callback?**`, { timeout: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`the login did not return to the demo client; at ${page.url()}:\n${await page.locator('body').innerText()}`, {
        cause: error,
      })
    })
    expect(await page.getByTestId('demo-error').allInnerTexts()).toEqual([])
    await expect(page.getByTestId('tool-result')).toContainText(user.email)
    await expect(page.getByTestId('token-claims')).toContainText(`"email": "${user.email}"`)
  })
})
