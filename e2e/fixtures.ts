import { test as base, expect } from '@playwright/test'
import { LoginPage } from './pages/login-page'
import { createUser, type TestUser } from './support/users'
import { setBridgeLoginUrl, setFault } from './support/stand-in-api'
import { resetUpstreams } from './support/upstreams-api'

export const test = base.extend<{ loginPage: LoginPage; user: TestUser; cleanFaults: void }, { workerUser: TestUser }>({
  workerUser: [async ({}, use) => use(await createUser({ prefix: 'worker' })), { scope: 'worker' }],
  user: async ({ workerUser }, use) => use(workerUser),
  loginPage: async ({ page }, use) => use(new LoginPage(page)),
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
