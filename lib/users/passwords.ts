import 'server-only'
import { hash, verify } from '@node-rs/argon2'

// Algorithm.Argon2id; the package exports it as an ambient const enum, unusable under isolatedModules.
const ARGON2ID = 2

// OWASP's argon2id minimum (ASVS 5.0 Appendix C): 19 MiB, 2 passes, 1 lane.
const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const

export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_LENGTH = 128

export function checkPasswordPolicy(password: string): string | null {
  const length = [...password].length
  if (length < PASSWORD_MIN_LENGTH) return `Passwords need at least ${PASSWORD_MIN_LENGTH} characters.`
  if (length > PASSWORD_MAX_LENGTH) return `Passwords can have at most ${PASSWORD_MAX_LENGTH} characters.`
  return null
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS)
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password)
  } catch {
    return false
  }
}

let dummyHash: Promise<string> | undefined

/**
 * Spends the same time as a real check for an unknown or disabled account, so response time
 * does not reveal which emails exist.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('dummy-password-for-timing-equalisation')
  await verifyPassword(await dummyHash, password)
  return false
}
