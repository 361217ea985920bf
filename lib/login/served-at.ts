import 'server-only'
import { createHmac, timingSafeEqual } from 'node:crypto'

// Double-click hijacking: a page of an attacker's asks for a double click and, between the two
// clicks, navigates its popup (which keeps its opener, since /login sends COOP unsafe-none) to
// /login with its own login request, so the second click lands on "Continue as <victim>". A
// completing click therefore counts only once the page could have been seen: the page signs the
// time it was served for this login request, and a completing POST sooner than this after it is
// refused with a page that asks to click again. The buttons wait too (armed-button.tsx), but this
// check holds without JavaScript.

/** How long a completing button's page must have been served before a click counts. */
export const MIN_VIEW_MS = 1000

function sign(secret: string, loginRequestId: string, servedAt: number): string {
  return createHmac('sha256', secret).update(`served:${loginRequestId}:${servedAt}`).digest('base64url')
}

/** The signed time this page was served for this login request, for a hidden form field. */
export function servedAtToken(secret: string, loginRequestId: string, now = Date.now()): string {
  return `${now}.${sign(secret, loginRequestId, now)}`
}

/** Whether a completing click with this token came late enough after its page was served. */
export function seenLongEnough(secret: string, loginRequestId: string, token: unknown, now = Date.now()): boolean {
  if (typeof token !== 'string') return false
  const [time = '', mac = ''] = token.split('.')
  const servedAt = Number(time)
  if (!/^\d{1,16}$/.test(time) || !Number.isSafeInteger(servedAt)) return false
  const expected = Buffer.from(sign(secret, loginRequestId, servedAt))
  const given = Buffer.from(mac)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false
  return now - servedAt >= MIN_VIEW_MS
}
