import type { IdentityProfile } from '../sources/claims'

/**
 * An administrator by ADMIN_EMAILS, for a source other than the local directory: its email counts
 * only when the source verified it, so an unverified address equal to an admin's opens nothing.
 */
export function isVerifiedAdminEmail(profile: Pick<IdentityProfile, 'email' | 'emailVerified'>, adminEmails: readonly string[]): boolean {
  return profile.emailVerified && adminEmails.includes(profile.email.toLowerCase())
}
