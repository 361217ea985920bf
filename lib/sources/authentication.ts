import type { IdentityProfile, JsonValue } from './claims'

// How the person authenticated, as RFC 8176 method references (`amr`) and an authentication
// context class (`acr`): read from a source's answer, and sent to Scalekit in customAttributes.

/** customAttributes the bridge fills itself, with how the person authenticated; no mapping may name them. */
export const AUTHENTICATION_ATTRIBUTES = ['amr', 'acr'] as const

const AMR_VALUE = /^[A-Za-z0-9_.:-]{1,32}$/
const MAX_AMR_VALUES = 10

/** RFC 8176 method references as the source gave them: a list of short names, or nothing at all. */
export function readAmr(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_AMR_VALUES) return undefined
  if (!value.every((item) => typeof item === 'string' && AMR_VALUE.test(item))) return undefined
  return [...new Set(value as string[])]
}

/** An `acr` value: printable text of at most 256 characters, or nothing. */
export function readAcr(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 256 && /^[\x21-\x7e]+$/.test(value) ? value : undefined
}

/** The source's custom attributes, and `amr` and `acr` (how the person signed in) when known; undefined when empty. */
export function withAuthentication(profile: IdentityProfile): Record<string, JsonValue> | undefined {
  const attributes: Record<string, JsonValue> = { ...profile.customAttributes }
  for (const name of AUTHENTICATION_ATTRIBUTES) delete attributes[name]
  if (profile.amr?.length) attributes.amr = profile.amr
  if (profile.acr) attributes.acr = profile.acr
  return Object.keys(attributes).length ? attributes : undefined
}

/** RFC 8176 methods that are a second factor beside a password, or several factors in one ("mfa"). */
const SECOND_FACTOR_METHODS = new Set(['mfa', 'otp', 'hwk', 'swk', 'sc', 'fpt', 'face', 'iris', 'retina', 'vbm', 'sms', 'tel'])

/** Whether a sign-in's methods show more than one factor (a server's "requireMfa"). */
export function showsSecondFactor(amr: readonly string[] | undefined): boolean {
  return (amr ?? []).some((method) => SECOND_FACTOR_METHODS.has(method))
}
