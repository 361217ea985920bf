import 'server-only'
import { getEnv } from '../env'
import type { IdentitySource } from '../sources/config'
import { LEGACY_SERVER_KEY, type McpServer } from './config'

export type { McpServer } from './config'

/**
 * The server a login request is for: the one named in /login/{key} (only when MCP_SERVERS lists
 * servers), or the default one for /login. Undefined when there is no such server.
 */
export function findServer(key: string | undefined): McpServer | undefined {
  const env = getEnv()
  if (key === undefined) return env.defaultServer
  return env.multiServer ? env.servers.find((server) => server.key === key) : undefined
}

/** The server a request's params name (with checkState's reading of seals written before servers had keys). */
export function bindingOf(server: McpServer): { key: string; legacyKey: string } {
  return { key: server.key, legacyKey: LEGACY_SERVER_KEY }
}

/** The identity sources this server's sign-in page offers, in configuration order. */
export function offeredSources(server: McpServer): IdentitySource[] {
  const { sources } = getEnv()
  return server.sources ? sources.filter((source) => server.sources!.includes(source.id)) : sources
}

export function offers(server: McpServer, sourceId: string | undefined): boolean {
  return sourceId !== undefined && (!server.sources || server.sources.includes(sourceId))
}
