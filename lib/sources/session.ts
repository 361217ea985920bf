import 'server-only'
import type { MappedIdentity } from './claims'
import type { SourceOfType } from './config'
import { askSource, type SourceFailure } from './call'

export type AppSessionCheck =
  { outcome: 'signed_in'; identity: MappedIdentity } | { outcome: 'signed_out' } | { outcome: 'failed'; failure: SourceFailure }

/** Only the cookies the configuration names travel to the company app, nothing else of ours. */
export function forwardedCookieHeader(cookieHeader: string | null, names: readonly string[]): string | null {
  if (!cookieHeader) return null
  const wanted = new Set(names)
  const kept = cookieHeader
    .split(';')
    .map((part) => part.trim())
    .filter((part) => wanted.has(part.slice(0, part.indexOf('=') < 0 ? part.length : part.indexOf('='))))
  return kept.length ? kept.join('; ') : null
}

/**
 * Asks the company app who the browser's session belongs to. 200 with a profile is signed in;
 * 401, 403 or a redirect (to its login page) is signed out; anything else is a fault.
 */
export async function checkAppSession(source: SourceOfType<'session'>, cookieHeader: string | null): Promise<AppSessionCheck> {
  const cookie = forwardedCookieHeader(cookieHeader, source.cookies)
  if (!cookie) return { outcome: 'signed_out' }
  const answer = await askSource({
    source,
    url: source.whoamiUrl,
    init: { method: 'GET', headers: { accept: 'application/json', cookie } },
    isNo: (status) => status === 401 || status === 403 || (status >= 300 && status < 400),
  })
  if (answer.outcome === 'yes') return { outcome: 'signed_in', identity: answer.identity }
  if (answer.outcome === 'no') return { outcome: 'signed_out' }
  return answer
}

/** Where the company app signs a person in, with a way back to this very login request. */
export function appLoginUrl(source: SourceOfType<'session'>, returnTo: string): string {
  const url = new URL(source.loginUrl)
  url.searchParams.set(source.returnToParam, returnTo)
  return url.toString()
}
