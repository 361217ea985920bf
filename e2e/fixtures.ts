import { test as base, expect } from '@playwright/test'
import { LoginPage } from './pages/login-page'
import { createUser, type TestUser } from './support/users'
import { setFault } from './support/stand-in-api'

export const test = base.extend<{ loginPage: LoginPage; user: TestUser; cleanFaults: void }, { workerUser: TestUser }>({
  workerUser: [async ({}, use) => use(await createUser({ prefix: 'worker' })), { scope: 'worker' }],
  user: async ({ workerUser }, use) => use(workerUser),
  loginPage: async ({ page }, use) => use(new LoginPage(page)),
  // A case that injects a Scalekit fault must not leak it into the next one.
  cleanFaults: [
    async ({}, use) => {
      await use()
      await setFault('none')
    },
    { auto: true },
  ],
})

export { expect }
