import { expect, request as playwrightRequest } from '@playwright/test'
import { APP_URL } from './config'
import { createLoginRequest } from './stand-in-api'
import type { TestUser } from './users'
// Reading forms out of server-rendered HTML, for plain-HTTP logins without a browser (the
// concurrency case here, and the benchmarks in bench/, which import it from here).

const ENTITIES: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0' }

export function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10)
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[entity.toLowerCase()] ?? whole
  })
}

export function parseAttributes(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {}
  for (const match of tag.matchAll(/([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = match[1]?.toLowerCase()
    if (!name || name.startsWith('<')) continue
    attributes[name] = decodeHtml(match[2] ?? match[3] ?? match[4] ?? '')
  }
  return attributes
}

/** Each <form> of the page: its inputs' attributes and its inner HTML. */
export function formsOf(html: string): Array<{ inputs: Array<Record<string, string>>; body: string }> {
  return [...html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)].map((match) => {
    const body = match[1] ?? ''
    return { body, inputs: [...body.matchAll(/<input\b[^>]*>/gi)].map((input) => parseAttributes(input[0].slice('<input'.length))) }
  })
}

/** A form's hidden inputs as [name, value] pairs, in document order. */
export function hiddenInputs(inputs: Array<Record<string, string>>): Array<[string, string]> {
  return inputs
    .filter((input) => input.type === 'hidden' && input.name !== undefined)
    .map((input): [string, string] => [input.name ?? '', input.value ?? ''])
}

/**
 * The hidden inputs of the first <form> that has an input named `email`: for a React server action
 * rendered without JavaScript these are $ACTION_REF_n / $ACTION_n:k / $ACTION_KEY plus the form's own
 * login_request_id and state. Returns null when the page has no such form.
 */
export function signInFormHiddenInputs(html: string): Array<[string, string]> | null {
  const form = formsOf(html).find(({ inputs }) => inputs.some((input) => input.name === 'email'))
  return form ? hiddenInputs(form.inputs) : null
}

/** One browser's login over plain HTTP: the page, then its no-JavaScript form post. */
export async function prepareFormLogin(bridgeUrl: string, person: TestUser) {
  const request = await createLoginRequest()
  const browser = await playwrightRequest.newContext()
  try {
    const loginUrl = request.loginUrl.replace(APP_URL, bridgeUrl)
    const page = await browser.get(loginUrl)
    expect(page.status()).toBe(200)
    const hidden = signInFormHiddenInputs(await page.text())
    expect(hidden?.some(([name]) => name.startsWith('$ACTION_'))).toBe(true)
    const multipart: Record<string, string> = Object.fromEntries(hidden ?? [])
    const post = () =>
      browser.post(loginUrl, {
        multipart: { ...multipart, email: person.email, password: person.password },
        headers: { origin: bridgeUrl, 'sec-fetch-site': 'same-origin' },
        maxRedirects: 0,
      })
    return { request, person, post }
  } catch (error) {
    await browser.dispose()
    throw error
  }
}
