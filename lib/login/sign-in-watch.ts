import 'server-only'
import { cookies, headers } from 'next/headers'
import { getDb } from '../db/client'
import { getEnv } from '../env'
import { isLocale, LOCALE_HEADER } from '../i18n/locales'
import { queueSignInAlert } from '../mail/sign-in-alert'
import { findServer } from '../servers'
import { errorText, fingerprint, logEvent } from '../server/log'
import { PEER_ADDRESS_HEADER } from '../server/peer-address'
import type { MappedIdentity } from '../sources/claims'
import { alertDue, browserCookieName, browserCookieOptions, browserIdFrom, browserSummary, noteSighting } from './sightings'

// After a local user's login completed (MAIL_SIGN_IN_ALERTS=on): note the browser and address,
// and queue an alert when either is new to an account that signed in before (security.md case
// 54). Runs in the completing server action, after Scalekit accepted: two indexed selects and two
// inserts, nothing sent from here. It never fails the login; a problem is logged.

export async function watchLocalSignIn(params: { loginRequestId: string; server?: string }, identity: MappedIdentity): Promise<void> {
  const env = getEnv()
  if (!env.mail?.signInAlerts || !identity.ok) return
  if (env.sources.find((source) => source.id === identity.profile.source)?.type !== 'local') return
  try {
    const [jar, h] = await Promise.all([cookies(), headers()])
    const name = browserCookieName(env.secure)
    const browser = browserIdFrom(jar.get(name)?.value)
    if (browser.isNew) jar.set(name, browser.id, browserCookieOptions(env.secure))
    const db = await getDb()
    const now = Date.now()
    const ip = h.get(PEER_ADDRESS_HEADER) || null
    const userId = identity.profile.subject
    const sighting = await noteSighting(db, { userId, browserId: browser.id, ip, now })
    if (!alertDue(sighting) || !identity.profile.email) return
    const asked = h.get(LOCALE_HEADER)
    await queueSignInAlert(db, {
      userId,
      email: identity.profile.email,
      locale: isLocale(asked) ? asked : env.DEFAULT_LOCALE,
      loginRequestId: params.loginRequestId,
      server: env.multiServer ? (findServer(params.server)?.name ?? null) : null,
      at: now,
      ip,
      browser: browserSummary(h.get('user-agent')),
    })
    logEvent('sign_in_alert_queued', {
      cid: fingerprint(params.loginRequestId),
      new_browser: sighting.newBrowser,
      new_address: sighting.newAddress,
    })
  } catch (error) {
    logEvent('sign_in_watch_error', { cid: fingerprint(params.loginRequestId), error: errorText(error) })
  }
}
