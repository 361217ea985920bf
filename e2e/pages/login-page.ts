import { expect, type Locator, type Page } from '@playwright/test'

// The bridge's sign-in page as a person sees it.

export class LoginPage {
  readonly email: Locator
  readonly password: Locator
  readonly signInButton: Locator
  readonly cancelButton: Locator
  readonly useAnotherAccount: Locator
  readonly formMessage: Locator
  readonly problemMessage: Locator
  readonly problemCode: Locator

  constructor(readonly page: Page) {
    this.email = page.getByLabel('Email')
    this.password = page.getByLabel('Password')
    this.signInButton = page.getByRole('button', { name: 'Sign in', exact: true })
    this.cancelButton = page.getByRole('button', { name: 'Cancel' })
    this.useAnotherAccount = page.getByRole('button', { name: 'Use another account' })
    this.formMessage = page.getByTestId('form-message')
    this.problemMessage = page.getByTestId('problem-message')
    this.problemCode = page.getByTestId('problem-code')
  }

  continueAs(name: string): Locator {
    return this.page.getByRole('button', { name: `Continue as ${name}` })
  }

  async open(loginUrl: string) {
    const response = await this.page.goto(loginUrl)
    // "Sign in to continue", or "Sign in to use CRM MCP" on a bridge that serves several servers.
    await expect(this.page.getByRole('heading', { name: /^Sign in to (continue|use .+)$/ })).toBeVisible()
    return response
  }

  async signIn(email: string, password: string) {
    await this.email.fill(email)
    await this.password.fill(password)
    await this.signInButton.click()
  }

  /** Completes one login request from its URL, so the browser has a bridge session afterwards. */
  async signInThrough(request: { loginUrl: string; loginRequestId: string }, user: { email: string; password: string }) {
    await this.open(request.loginUrl)
    await this.signIn(user.email, user.password)
    await expect(this.page.getByText(`login request ${request.loginRequestId} completed`)).toBeVisible()
  }

  async expectProblem(code: string) {
    await expect(this.problemCode).toHaveText(code)
  }
}
