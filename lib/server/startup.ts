import 'server-only'
import http from 'node:http'
import { ConfigError, getEnv } from '../env'
import { getDb } from '../db/client'
import { errorText, logEvent } from './log'

import { clientAddress, PEER_ADDRESS_HEADER } from './peer-address'

/**
 * Next.js exposes no socket address to pages, and keeps an X-Forwarded-For that the client sent
 * itself. The ledger needs an address the client cannot choose, so every request gets the TCP
 * peer's address in a header of ours, overwriting any value the client sent. Behind proxies the
 * deployment names (TRUSTED_PROXY_HOPS), the address those proxies saw is taken instead.
 */
function stampPeerAddresses(hops: number): void {
  const prototype = http.Server.prototype as unknown as { emit: (event: string, ...args: unknown[]) => boolean; __peerStamped?: boolean }
  if (prototype.__peerStamped) return
  const emit = prototype.emit
  prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
    if (event === 'request') {
      const request = args[0] as http.IncomingMessage
      request.headers[PEER_ADDRESS_HEADER] = clientAddress(request.socket?.remoteAddress ?? '', request.headers['x-forwarded-for'], hops)
    }
    return emit.call(this, event, ...args)
  }
  prototype.__peerStamped = true
}

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
