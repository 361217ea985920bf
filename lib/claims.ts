import { z } from 'zod'

// What an identity source knows about a person, and how it becomes Scalekit's User message.

export interface IdentityProfile {
  /** Which identity source vouched for this person ("local", an IdP id...). */
  source: string
  /** The source's stable identifier for the person. */
  subject: string
  email: string
  /** Only true when the source itself verified the address. */
  emailVerified: boolean
  name?: string
  givenName?: string
  familyName?: string
  preferredUsername?: string
  picture?: string
  locale?: string
  phoneNumber?: string
  groups?: string[]
  roles?: string[]
}

const text = (max: number) => z.string().trim().max(max).optional()

const ScalekitUserSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.email().max(320),
  emailVerified: z.boolean(),
  name: text(256),
  givenName: text(128),
  familyName: text(128),
  preferredUsername: text(128),
  picture: z.url().max(2048).optional(),
  locale: text(35),
  phoneNumber: text(32),
  groups: z.array(z.string().min(1).max(128)).max(100).optional(),
  roles: z.array(z.string().min(1).max(128)).max(100).optional(),
})

export type ScalekitUser = z.infer<typeof ScalekitUserSchema>

export interface ClaimsOptions {
  /** Prefix subjects with the source id, so two sources cannot both own a `sub`. */
  namespaceSubjects: boolean
}

/**
 * Maps a profile to the User message. Fields the source did not provide are left out rather than
 * guessed, and the result is validated before anything is sent to Scalekit.
 */
export function toScalekitUser(
  profile: IdentityProfile,
  options: ClaimsOptions,
): { ok: true; user: ScalekitUser } | { ok: false; issues: string[] } {
  const candidate = {
    sub: options.namespaceSubjects ? `${profile.source}|${profile.subject}` : profile.subject,
    email: profile.email.trim().toLowerCase(),
    emailVerified: profile.emailVerified === true,
    name: profile.name || undefined,
    givenName: profile.givenName || undefined,
    familyName: profile.familyName || undefined,
    preferredUsername: profile.preferredUsername || undefined,
    picture: profile.picture || undefined,
    locale: profile.locale || undefined,
    phoneNumber: profile.phoneNumber || undefined,
    groups: profile.groups?.length ? profile.groups : undefined,
    roles: profile.roles?.length ? profile.roles : undefined,
  }
  const parsed = ScalekitUserSchema.safeParse(candidate)
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }
  }
  const user = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as ScalekitUser
  return { ok: true, user }
}
