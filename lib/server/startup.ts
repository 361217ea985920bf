import 'server-only'
import { ConfigError, getEnv } from '../env'
import { getDb } from '../db/client'
import { errorText, logEvent } from './log'
import { stampPeerAddresses } from './peer-address'
import { startAuditOutbox } from '../ledger/outbox/start'
import { startMailWorker } from '../mail/start'
import { handleShutdownSignals } from './signals'
import { brandLogo } from '../brand/logo'

/** Validates the configuration (or exits with one readable message) and migrates the database. */
export async function startBridge(): Promise<void> {
  try {
    const env = getEnv()
    stampPeerAddresses(env.TRUSTED_PROXY_HOPS)
    handleShutdownSignals(env.SHUTDOWN_TIMEOUT_SECONDS * 1000)
    // Auth.js builds its own URLs (the IdP's redirect_uri, its callback and redirect targets) from
    // AUTH_URL, else from the request, which names the address the server is bound to (127.0.0.1
    // behind a local proxy). The bridge's public origin is APP_URL.
    process.env.AUTH_URL = env.APP_URL
    // The audit stream's worker takes the database at its first poll (and again until it answers).
    startAuditOutbox(getDb, env)
    // Likewise the mail worker, when SMTP_URL is set.
    startMailWorker(getDb, env)
    // A BRAND_LOGO URL is fetched now, so a wrong one stops the start, not a page.
    await brandLogo(env.brand)
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
  try {
    await getDb()
    logEvent('database_ready')
  } catch (error) {
    // Logins fail closed with a 503 page until the database answers; no restart is needed.
    logEvent('database_unavailable', { error: errorText(error) })
  }
}
