import { spawn } from 'node:child_process'
import { test, expect } from './fixtures'

// The README's first command: `npm run demo` (here without rebuilding, on ports of its own).
const PORTS = { DEMO_BRIDGE_PORT: '3600', DEMO_SCALEKIT_PORT: '4610', DEMO_MCP_PORT: '4620', DEMO_CLIENT_PORT: '4630' }

test('npm run demo: a newcomer signs in and sees the token claims and the tool result', async ({ page }) => {
  test.setTimeout(90_000)
  const demo = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'e2e/stand-in/demo.ts', '--no-build'], {
    env: { ...process.env, ...PORTS, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  demo.stdout.on('data', (chunk) => (output += String(chunk)))
  demo.stderr.on('data', (chunk) => (output += String(chunk)))
  try {
    await expect.poll(() => output, { timeout: 60_000 }).toContain('Stop with Ctrl+C.')
    const url = /Open (http:\/\/\S+) and click/.exec(output)?.[1]
    expect(url).toBe('http://127.0.0.1:4630')
    const [, email, password] = /Sign in on the bridge as (\S+) with the password (\S+)\./.exec(output) ?? []

    await page.goto(url!)
    await page.getByRole('button', { name: 'Connect to the MCP server' }).click()
    await expect(page).toHaveURL(/^http:\/\/localhost:3600\/login\?login_request_id=/)
    const signedIn = page.getByRole('button', { name: /^Continue as / })
    if (await signedIn.isVisible()) await signedIn.click()
    else {
      await page.getByLabel('Email').fill(email!)
      await page.getByLabel('Password').fill(password!)
      await page.getByRole('button', { name: 'Sign in' }).click()
    }
    await expect(page.getByTestId('token-claims')).toContainText(`"email": "${email}"`)
    await expect(page.getByTestId('tool-result')).toContainText(email!)
  } finally {
    const exited = new Promise((resolve) => demo.once('exit', resolve))
    demo.kill('SIGINT')
    await exited
  }
})
