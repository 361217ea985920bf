import fs from 'node:fs'
import { defineConfig, devices } from '@playwright/test'
import {
  APP_URL,
  AUDIT_RECEIVER_URL,
  MAIL_CATCHER_URL,
  bridgeEnv,
  mcpEnv,
  standInEnv,
  BRIDGE_PORT,
  STAND_IN_PORT,
  MCP_PORT,
} from './e2e/support/config'
import {
  CREDENTIAL_API_BRIDGE_PORT,
  CREDENTIAL_API_BRIDGE_URL,
  SOURCES_BRIDGE_PORT,
  SOURCES_BRIDGE_URL,
  credentialApiBridgeEnv,
  sourcesBridgeEnv,
} from './e2e/support/sources'
import { IDP_CONTROL_URL } from './e2e/upstreams/options'

// Runs against the production build (`next build` first; `npm test` does it). Debian's Chromium is
// used where it is installed (CI, servers without Playwright's own browser download); elsewhere
// Playwright's bundled browser.
const chromiumPath = process.env.CHROMIUM_PATH ?? (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
const isCI = Boolean(process.env.CI)

/** A bridge under test: `next start` of the production build, run with node so it stops with its PID. */
function bridgeServer(port: number, url: string, env: Record<string, string>) {
  return {
    // Bound to loopback, as behind a local reverse proxy: every rewrite must still be served.
    command: `node node_modules/next/dist/bin/next start -p ${port} -H 127.0.0.1`,
    url: `${url}/api/health`,
    env,
    reuseExistingServer: !isCI,
    stdout: 'pipe' as const,
    timeout: 60_000,
  }
}

// The database-outage case stops the shared PostgreSQL, so it runs on its own (npm test does it
// after the PostgreSQL suite with E2E_DATABASE_OUTAGE=1) and never inside a normal run.
const outageRun = process.env.E2E_DATABASE_OUTAGE === '1'
// The checks of what the pages are (axe rules, what JavaScript reaches the browser) do not depend on
// the database: npm test runs them on SQLite only (E2E_PAGES_ONCE=1 on its PostgreSQL run).
const pagesOnly = ['**/accessibility.spec.ts', '**/client-js.spec.ts']
const skipPageChecks = process.env.E2E_PAGES_ONCE === '1'

export default defineConfig({
  testDir: 'e2e',
  testMatch: outageRun ? '**/database-outage.spec.ts' : '**/*.spec.ts',
  testIgnore: outageRun ? [] : ['**/database-outage.spec.ts', ...(skipPageChecks ? pagesOnly : [])],
  forbidOnly: isCI,
  retries: 0,
  // The stand-in's fault switches are process-wide, so cases run one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: isCI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  use: {
    baseURL: APP_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumPath,
      args: chromiumPath
        ? [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-quic',
          ]
        : [],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: [
    {
      command: 'node --import tsx e2e/stand-in/main.ts',
      url: `http://127.0.0.1:${STAND_IN_PORT}/_standin/health`,
      env: standInEnv(),
      reuseExistingServer: !isCI,
      stdout: 'pipe',
    },
    {
      command: 'node --import tsx e2e/stand-in/mcp-main.ts',
      url: `http://127.0.0.1:${MCP_PORT}/.well-known/oauth-protected-resource`,
      env: mcpEnv(),
      reuseExistingServer: !isCI,
      stdout: 'pipe',
    },
    {
      // The company's own identity systems: an OpenID Provider, a credential API and an app.
      command: 'node --import tsx e2e/upstreams/main.ts',
      url: `${IDP_CONTROL_URL}/_idp/health`,
      env: { NODE_OPTIONS: '' },
      reuseExistingServer: !isCI,
      stdout: 'pipe',
    },
    {
      // The audit stream's receiver, a SIEM that verifies every signature.
      command: 'node --import tsx e2e/audit-receiver/main.ts',
      url: `${AUDIT_RECEIVER_URL}/_audit/health`,
      env: { NODE_OPTIONS: '' },
      reuseExistingServer: !isCI,
      stdout: 'pipe',
    },
    {
      // The mail server: a real SMTP server the bridges send to, which a test reads (e2e/mail-catcher).
      command: 'node --import tsx e2e/mail-catcher/main.ts',
      url: `${MAIL_CATCHER_URL}/_mail/health`,
      env: { NODE_OPTIONS: '' },
      reuseExistingServer: !isCI,
      stdout: 'pipe',
    },
    bridgeServer(SOURCES_BRIDGE_PORT, SOURCES_BRIDGE_URL, sourcesBridgeEnv()),
    bridgeServer(CREDENTIAL_API_BRIDGE_PORT, CREDENTIAL_API_BRIDGE_URL, credentialApiBridgeEnv()),
    bridgeServer(BRIDGE_PORT, APP_URL, bridgeEnv()),
  ],
})
