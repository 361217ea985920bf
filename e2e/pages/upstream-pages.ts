import { expect, type Page } from '@playwright/test'

// The company's own sign-in pages, as a person sees them: the Acme IdP and the company app.

export class IdpPages {
  constructor(readonly page: Page) {}

  async signIn(user: { username: string; password: string }) {
    await expect(this.page.getByRole('heading', { name: 'Acme IdP sign-in' })).toBeVisible()
    await this.page.getByLabel('Username').fill(user.username)
    await this.page.getByLabel('Password').fill(user.password)
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click()
  }

  async allow() {
    await expect(this.page.getByRole('heading', { name: 'Allow access?' })).toBeVisible()
    await this.page.getByRole('button', { name: 'Allow' }).click()
  }

  async deny() {
    await expect(this.page.getByRole('heading', { name: 'Allow access?' })).toBeVisible()
    await this.page.getByRole('button', { name: 'Deny' }).click()
  }
}

export class CompanyAppPages {
  constructor(readonly page: Page) {}

  async signIn(user: { email: string; password: string }) {
    await expect(this.page.getByRole('heading', { name: 'Company app sign-in' })).toBeVisible()
    await this.page.getByLabel('Email').fill(user.email)
    await this.page.getByLabel('Password').fill(user.password)
    await this.page.getByRole('button', { name: 'Sign in to Company app' }).click()
  }
}
