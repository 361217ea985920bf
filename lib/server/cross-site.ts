import 'server-only'
import { getEnv } from '@/lib/env'
import { isSameOriginPost } from './headers'
import { logEvent } from './log'

/**
 * For a server action reached without a login request (invitations, mailed links, the admin area):
 * whether its POST came from the bridge's own pages (`isSameOriginPost`). A refused one is logged
 * as `cross_site_rejected` with the Origin and Sec-Fetch-Site it came with; the caller answers it.
 */
export function isOwnPagesPost(h: Pick<Headers, 'get'>): boolean {
  if (isSameOriginPost(h.get('origin'), h.get('sec-fetch-site'), getEnv().APP_URL)) return true
  logEvent('cross_site_rejected', { origin: h.get('origin') ?? 'none', site: h.get('sec-fetch-site') ?? 'none' })
  return false
}
