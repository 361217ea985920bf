import { z } from 'zod'
import { PASSWORD_MAX_LENGTH } from '../users/passwords'

// The one reading of an email and password from a form: the login form, the admin form, and
// Auth.js's Credentials authorize (which a direct post to its callback reaches too).

export const CredentialsInput = z.object({
  email: z.string().trim().min(1).max(320),
  password: z
    .string()
    .min(1)
    .max(PASSWORD_MAX_LENGTH * 4),
})

export type CredentialFields =
  | { ok: true; email: string; password: string }
  /** `missing`: a field is empty; `invalid`: too long to be anyone's, refused like a wrong password. */
  | { ok: false; reason: 'missing' | 'invalid'; email: string }

export function readCredentialFields(form: FormData): CredentialFields {
  const raw = { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') }
  const input = CredentialsInput.safeParse(raw)
  if (input.success) return { ok: true, ...input.data }
  // What the person typed is kept for the form, within the field's bound.
  const email = raw.email.trim().slice(0, 320)
  const missing = input.error.issues.some((issue) => issue.code === 'too_small')
  return { ok: false, reason: missing ? 'missing' : 'invalid', email }
}
