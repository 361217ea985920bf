import { z } from 'zod'
import { AUTHENTICATION_ATTRIBUTES, readAcr, readAmr, withAuthentication } from './authentication'

// What an identity source knows about a person, and how it becomes Scalekit's User message.
// External sources (an IdP, the company's credential API, its app session) answer with their own
// JSON; a per-source mapping says which of their fields feeds which User field.

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
  organizationExternalId?: string
  organizationExternalName?: string
  customAttributes?: Record<string, JsonValue>
  /** How the person authenticated (RFC 8176: pwd, otp, hwk...) and how strongly (acr); lib/sources/authentication.ts. */
  amr?: string[]
  acr?: string
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** A source's answer after mapping: a profile, or why it cannot become one. */
export type MappedIdentity = { ok: true; profile: IdentityProfile } | { ok: false; source: string; issues: string[] }

// ---------------------------------------------------------------------------------------------
// The mapping: Scalekit User field -> where to find it in the source's answer.

const TEXT_FIELDS = [
  'sub',
  'email',
  'name',
  'givenName',
  'familyName',
  'preferredUsername',
  'picture',
  'locale',
  'phoneNumber',
  'organizationExternalId',
  'organizationExternalName',
] as const
const LIST_FIELDS = ['groups', 'roles'] as const

type TextField = (typeof TEXT_FIELDS)[number]
type ListField = (typeof LIST_FIELDS)[number]

/**
 * A claim path: a top-level name (which may itself contain dots or slashes, as namespaced claims
 * such as `https://example.com/roles` do), or a dot-separated path into nested objects.
 */
const ClaimPath = z
  .string()
  .trim()
  .min(1, { error: "must name a field of the source's answer", abort: true })
  .max(200)
  .refine((path) => !path.split('.').some((part) => part === ''), 'must not have empty parts (a..b, .a, a.)')

export const ClaimsMappingSchema = z.strictObject({
  sub: ClaimPath.optional(),
  email: ClaimPath.optional(),
  // The other fields can be switched off with null (a source whose "groups" mean something else).
  emailVerified: ClaimPath.nullable().optional(),
  name: ClaimPath.nullable().optional(),
  givenName: ClaimPath.nullable().optional(),
  familyName: ClaimPath.nullable().optional(),
  preferredUsername: ClaimPath.nullable().optional(),
  picture: ClaimPath.nullable().optional(),
  locale: ClaimPath.nullable().optional(),
  phoneNumber: ClaimPath.nullable().optional(),
  groups: ClaimPath.nullable().optional(),
  roles: ClaimPath.nullable().optional(),
  organizationExternalId: ClaimPath.nullable().optional(),
  organizationExternalName: ClaimPath.nullable().optional(),
  customAttributes: z
    .record(z.string(), ClaimPath)
    .superRefine((attributes, ctx) => {
      for (const name of Object.keys(attributes)) {
        if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(name)) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'custom attribute names are letters, digits, _ . - (at most 64)' })
        } else if ((AUTHENTICATION_ATTRIBUTES as readonly string[]).includes(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `"${name}" is reserved: the bridge fills customAttributes.${name} with how the person signed in`,
          })
        }
      }
    })
    .optional(),
})

export type ClaimsMapping = z.infer<typeof ClaimsMappingSchema>
export type ResolvedMapping = Required<Pick<ClaimsMapping, 'sub' | 'email'>> & ClaimsMapping

/** The OpenID Connect standard claim names: what every source answers unless told otherwise. */
export const STANDARD_CLAIMS: ResolvedMapping = {
  sub: 'sub',
  email: 'email',
  emailVerified: 'email_verified',
  name: 'name',
  givenName: 'given_name',
  familyName: 'family_name',
  preferredUsername: 'preferred_username',
  picture: 'picture',
  locale: 'locale',
  phoneNumber: 'phone_number',
  groups: 'groups',
  roles: 'roles',
}

/** A source's own mapping on top of the standard claims; a field mapped to null is switched off. */
export function resolveMapping(custom: ClaimsMapping | undefined): ResolvedMapping {
  return { ...STANDARD_CLAIMS, ...custom }
}

function readClaim(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path]
  let value: unknown = claims
  for (const part of path.split('.')) {
    if (!value || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

function readText(claims: Record<string, unknown>, path: string | null | undefined, field: string, issues: string[]): string | undefined {
  if (!path) return undefined
  const value = readClaim(claims, path)
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') return value.trim() || undefined
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  issues.push(`${field} (from "${path}") must be text, got ${Array.isArray(value) ? 'a list' : typeof value}`)
  return undefined
}

function readList(claims: Record<string, unknown>, path: string | null | undefined, field: string, issues: string[]): string[] | undefined {
  if (!path) return undefined
  const value = readClaim(claims, path)
  if (value === undefined || value === null) return undefined
  const items = Array.isArray(value) ? value : [value]
  if (!items.every((item) => typeof item === 'string' || typeof item === 'number')) {
    issues.push(`${field} (from "${path}") must be a list of text`)
    return undefined
  }
  const list = items.map((item) => String(item).trim()).filter(Boolean)
  return list.length ? list : undefined
}

function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > 8) return false
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1))
  if (typeof value === 'object') return Object.values(value).every((item) => isJsonValue(item, depth + 1))
  return false
}

/**
 * Reads one source's answer through its mapping. Nothing is guessed: a field the source did not
 * give stays absent, and emailVerified is true only when the source said exactly true.
 */
export function mapClaims(source: string, claims: Record<string, unknown>, mapping: ResolvedMapping): MappedIdentity {
  const issues: string[] = []
  const text = Object.fromEntries(TEXT_FIELDS.map((field) => [field, readText(claims, mapping[field], field, issues)])) as Record<
    TextField,
    string | undefined
  >
  const lists = Object.fromEntries(LIST_FIELDS.map((field) => [field, readList(claims, mapping[field], field, issues)])) as Record<
    ListField,
    string[] | undefined
  >
  const verified = mapping.emailVerified ? readClaim(claims, mapping.emailVerified) : undefined

  let customAttributes: Record<string, JsonValue> | undefined
  for (const [name, path] of Object.entries(mapping.customAttributes ?? {})) {
    const value = readClaim(claims, path)
    if (value === undefined) continue
    if (!isJsonValue(value)) {
      issues.push(`customAttributes.${name} (from "${path}") is not plain JSON`)
      continue
    }
    customAttributes = { ...customAttributes, [name]: value }
  }

  if (!text.sub) issues.push(`sub: the source gave no subject in "${mapping.sub}"`)
  if (!text.email) issues.push(`email: the source gave no email address in "${mapping.email}"`)
  if (issues.length > 0 || !text.sub || !text.email) return { ok: false, source, issues }

  const { sub, email, ...rest } = text
  // The standard claim names, as an ID token carries them; a malformed value is left out, not an error.
  const amr = readAmr(claims.amr)
  const acr = readAcr(claims.acr)
  return {
    ok: true,
    profile: {
      source,
      subject: sub,
      email,
      emailVerified: verified === true || verified === 'true',
      ...rest,
      ...lists,
      customAttributes,
      ...(amr ? { amr } : {}),
      ...(acr ? { acr } : {}),
    },
  }
}

// ---------------------------------------------------------------------------------------------
// The User message, validated before anything is sent to Scalekit.

const text = (max: number) => z.string().trim().max(max).optional()

const CUSTOM_ATTRIBUTES_MAX_BYTES = 4096

const ScalekitUserSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.email().max(320),
  emailVerified: z.boolean(),
  name: text(256),
  givenName: text(128),
  familyName: text(128),
  preferredUsername: text(128),
  picture: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  locale: text(35),
  phoneNumber: text(32),
  groups: z.array(z.string().min(1).max(256)).max(200).optional(),
  roles: z.array(z.string().min(1).max(256)).max(200).optional(),
  organizationExternalId: text(255),
  organizationExternalName: text(255),
  customAttributes: z
    .record(
      z.string(),
      z.custom<JsonValue>((value) => isJsonValue(value)),
    )
    .refine(
      (value) => JSON.stringify(value).length <= CUSTOM_ATTRIBUTES_MAX_BYTES,
      `must be at most ${CUSTOM_ATTRIBUTES_MAX_BYTES} bytes of JSON`,
    )
    .optional(),
})

export type ScalekitUser = z.infer<typeof ScalekitUserSchema>

export interface ClaimsOptions {
  /** Prefix subjects with the source id, so two sources cannot both own a `sub`. */
  namespaceSubjects: boolean
}

function subjectFor(profile: Pick<IdentityProfile, 'source' | 'subject'>, options: ClaimsOptions): string {
  return options.namespaceSubjects ? `${profile.source}|${profile.subject}` : profile.subject
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
    sub: subjectFor(profile, options),
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
    organizationExternalId: profile.organizationExternalId || undefined,
    organizationExternalName: profile.organizationExternalName || undefined,
    customAttributes: withAuthentication(profile),
  }
  const parsed = ScalekitUserSchema.safeParse(candidate)
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }
  }
  const user = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as ScalekitUser
  return { ok: true, user }
}
