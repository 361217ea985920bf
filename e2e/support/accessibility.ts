import AxeBuilder from '@axe-core/playwright'
import { expect, type Locator, type Page } from '@playwright/test'

// axe-core against the WCAG 2.2 A and AA rules, in the light and the dark colour scheme, and in
// the languages a page speaks; plus the checks a keyboard user and a narrow screen need.

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']
const SCHEMES = ['light', 'dark'] as const
type Scheme = (typeof SCHEMES)[number]

/** One line per element axe flags: the rule, the scheme, the element's selector and what to fix. */
async function violationsIn(page: Page, scheme: Scheme): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze()
  return violations.flatMap((violation) =>
    violation.nodes.map(
      (node) =>
        `${violation.id} [${scheme}] ${node.target.join(' ')}: ${violation.help}. ${(node.failureSummary ?? '').replace(/\s+/g, ' ')}`,
    ),
  )
}

/**
 * The page as it is now, checked by axe in light and in dark; the violations of both are asserted
 * empty together (softly, so one run reports every page of a case), named after `where`.
 */
export async function expectNoViolations(page: Page, where: string): Promise<void> {
  const found: string[] = []
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme })
    await expect.poll(() => page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(colorScheme === 'dark')
    found.push(...(await violationsIn(page, colorScheme)))
  }
  await page.emulateMedia({ colorScheme: 'light' })
  expect.soft(found, `axe-core on ${where} (${page.url()}):\n${found.join('\n')}`).toEqual([])
}

/** Waits until the page speaks `locale` (its <html lang>). */
export async function expectLanguage(page: Page, locale: string): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('lang', locale)
}

/** The current page again, asked for in `locale` with `?lang=` (as the language menu does). */
async function reopenIn(page: Page, locale: string): Promise<void> {
  const url = new URL(page.url())
  url.searchParams.set('lang', locale)
  await page.goto(url.toString())
  await expectLanguage(page, locale)
}

/** The current page checked in each of `locales` (reopened with `?lang=`), each in light and dark. */
export async function expectNoViolationsIn(page: Page, where: string, locales: readonly string[], ready?: (page: Page) => Promise<void>) {
  for (const locale of locales) {
    await reopenIn(page, locale)
    await ready?.(page)
    await expectNoViolations(page, `${where} in ${locale}`)
  }
}

/** React has hydrated the page: its body carries React's fiber, so client components have rendered. */
export async function hydrated(page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => Object.keys(document.body).some((key) => key.startsWith('__reactFiber$')))).toBe(true)
}

/** The login page with its email and password form has run its client code: the passkey controls appear only then. */
export async function loginPageHydrated(page: Page): Promise<void> {
  await expect(page.getByTestId('passkey-message')).toBeAttached()
}

/** The email and password form by its fields, whatever language its words are in. */
export function credentialsForm(page: Page): { email: Locator; password: Locator; submit: Locator; message: Locator } {
  const form = page.locator('form').filter({ has: page.locator('input[name="password"]') })
  return {
    email: form.locator('input[name="email"]'),
    password: form.locator('input[name="password"]'),
    submit: form.locator('button[type="submit"]'),
    message: form.getByTestId('form-message'),
  }
}

/** No sideways scrolling: the page fits the width of the viewport. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement
    return root.scrollWidth - root.clientWidth
  })
}
