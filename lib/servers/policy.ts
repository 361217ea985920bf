import type { IdentityProfile } from '../sources/claims'
import type { McpServer } from './config'
import { showsSecondFactor } from '../sources/authentication'

// Who may use which MCP server: a person passes when they match every rule the server sets
// (within one rule, any listed value matches). Decided after sign-in and before anything is sent
// to Scalekit; the failing rule is what the ledger records.

export type AccessDecision = { allowed: true } | { allowed: false; rule: string }

type Person = Pick<IdentityProfile, 'source' | 'email' | 'emailVerified' | 'groups' | 'roles' | 'amr'>

/** The rule a sign-in without a second factor fails on a server with requireMfa. */
export const SECOND_FACTOR_RULE = 'signed in without a second factor, which this server requires'

function list(values: string[]): string {
  return values.join(', ')
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase()
}

export function decideAccess(server: Pick<McpServer, 'allow' | 'sources' | 'requireMfa'>, person: Person): AccessDecision {
  if (server.sources && !server.sources.includes(person.source)) {
    return { allowed: false, rule: `signed in with ${person.source}, which this server does not offer: ${list(server.sources)}` }
  }
  if (server.requireMfa && !showsSecondFactor(person.amr)) return { allowed: false, rule: SECOND_FACTOR_RULE }
  const allow = server.allow
  if (!allow) return { allowed: true }
  const email = person.email.toLowerCase()
  if (allow.groups && !allow.groups.some((group) => person.groups?.includes(group))) {
    return { allowed: false, rule: `not in any of the groups: ${list(allow.groups)}` }
  }
  if (allow.roles && !allow.roles.some((role) => person.roles?.includes(role))) {
    return { allowed: false, rule: `has none of the roles: ${list(allow.roles)}` }
  }
  if (allow.emails && !allow.emails.includes(email)) {
    return { allowed: false, rule: 'email address is not in the allowed list' }
  }
  if (allow.domains) {
    if (!person.emailVerified)
      return { allowed: false, rule: `email address is not verified, so its domain cannot be checked against: ${list(allow.domains)}` }
    if (!allow.domains.includes(domainOf(email))) return { allowed: false, rule: `email domain is not one of: ${list(allow.domains)}` }
  }
  if (allow.sources && !allow.sources.includes(person.source)) {
    return { allowed: false, rule: `signed in with ${person.source}, not one of the sources: ${list(allow.sources)}` }
  }
  return { allowed: true }
}
