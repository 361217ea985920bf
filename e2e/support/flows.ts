import { expect, type Page } from '@playwright/test'
import { CONNECTION_ID, SCALEKIT_URL } from './config'
import { expectedPartnerCallback } from '../stand-in/partner-callback'

export function partnerCallback(state: string, scalekitUrl = SCALEKIT_URL, connectionId = CONNECTION_ID) {
  return expectedPartnerCallback(scalekitUrl, connectionId, state)
}

/** Records every request the page makes to Scalekit's partner:callback. */
export function watchPartnerCallbacks(page: Page): string[] {
  const seen: string[] = []
  page.on('request', (request) => {
    if (request.url().includes('/partner:callback')) seen.push(request.url())
  })
  return seen
}

/** The HTTP status a fresh GET of the current problem page gets. */
export async function statusOfCurrentPage(page: Page): Promise<number> {
  await expect(page).toHaveURL(/\/login\/problem\//)
  return (await page.request.get(page.url(), { maxRedirects: 0 })).status()
}

/**
 * A User message as the Scalekit stand-in records it: protobuf JSON with every implicit field,
 * so a test can compare exactly what reached Scalekit.
 */
export function asReceivedByScalekit(user: Record<string, unknown>): Record<string, unknown> {
  return {
    sub: '',
    email: '',
    givenName: '',
    familyName: '',
    emailVerified: false,
    phoneNumber: '',
    phoneNumberVerified: false,
    name: '',
    preferredUsername: '',
    picture: '',
    gender: '',
    locale: '',
    groups: [],
    roles: [],
    loginFailed: false,
    ...user,
  }
}
