import { toScalekitUser, type MappedIdentity } from './claims'

/**
 * The most a sign-in may keep in the bridge's session cookie. A source can answer with 64 KB; kept
 * whole, the chunked session cookie would pass Node's 16 KB header limit and every later request
 * of that browser, sign-out included, would fail with 431.
 */
export const MAX_IDENTITY_BYTES = 6 * 1024

const MAX_ISSUES = 10

/**
 * The identity a sign-in may keep: the profile as the claim caps admit it (the same check that runs
 * before anything is sent to Scalekit) and within MAX_IDENTITY_BYTES; otherwise only why not.
 */
export function boundIdentity(identity: MappedIdentity): MappedIdentity {
  if (!identity.ok) return { ...identity, issues: identity.issues.slice(0, MAX_ISSUES).map((issue) => issue.slice(0, 300)) }
  const source = identity.profile.source
  const checked = toScalekitUser(identity.profile, { namespaceSubjects: false })
  if (!checked.ok) return boundIdentity({ ok: false, source, issues: checked.issues })
  const bytes = Buffer.byteLength(JSON.stringify(identity))
  if (bytes > MAX_IDENTITY_BYTES) {
    return {
      ok: false,
      source,
      issues: [`the profile is ${Math.ceil(bytes / 1024)} KB, more than the ${MAX_IDENTITY_BYTES / 1024} KB a sign-in may keep`],
    }
  }
  return identity
}
