import 'server-only'
import { sealData, unsealData } from 'iron-session'

// What a finished second step or passkey sign-in hands to the local directory's Auth.js provider
// to make the session: sealed with AUTH_SECRET, valid for 60 seconds. It never leaves the server
// (the action passes it straight to signIn()); the seal stops a direct POST to Auth.js's callback
// from claiming a second factor it never gave.

const TTL_SECONDS = 60

export interface Ticket {
  userId: string
  /** RFC 8176 methods the person proved: ["pwd", "otp", "mfa"], ["hwk", "mfa"]... */
  amr: string[]
  /** When the sign-in began (the password was accepted), for a second step: it must come after the account's sessions were last ended. */
  since?: number
}

export function sealTicket(secret: string, ticket: Ticket): Promise<string> {
  return sealData(ticket, { password: secret, ttl: TTL_SECONDS })
}

export async function openTicket(secret: string, seal: unknown): Promise<Ticket | null> {
  if (typeof seal !== 'string' || !seal) return null
  try {
    const data = await unsealData<Partial<Ticket>>(seal, { password: secret, ttl: TTL_SECONDS })
    if (typeof data.userId !== 'string' || !Array.isArray(data.amr) || !data.amr.every((m) => typeof m === 'string')) return null
    return { userId: data.userId, amr: data.amr, ...(typeof data.since === 'number' ? { since: data.since } : {}) }
  } catch {
    return null
  }
}
