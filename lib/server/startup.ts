import 'server-only'
import { ConfigError, getEnv } from '../env'
import { getDb } from '../db/client'
import { errorText, logEvent } from './log'
import { stampPeerAddresses } from './peer-address'

/** Validates the configuration (or exits with one readable message) and migrates the database. */
export async function startBridge(): Promise<void> {
  try {
    stampPeerAddresses(getEnv().TRUSTED_PROXY_HOPS)
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
