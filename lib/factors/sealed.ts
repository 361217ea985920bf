import 'server-only'
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

// Authenticator keys must be readable to check a code, so they are encrypted, not hashed:
// AES-256-GCM with a key derived from AUTH_SECRET (HKDF-SHA256). A copy of the database alone does
// not give them away. Changing AUTH_SECRET makes them unreadable: those users sign in with a
// recovery code or a passkey and enrol again, or an admin resets their factors (docs/strong-sign-in.md).

const VERSION = 'v1'
const INFO = 'byoa-bridge authenticator key v1'

function keyFrom(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'byoa-bridge', INFO, 32))
}

export function sealKey(secret: string, plain: Uint8Array): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secret), iv)
  const body = Buffer.concat([cipher.update(plain), cipher.final()])
  return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.')
}

/** The key, or null when it was sealed under another secret or is damaged. */
export function unsealKey(secret: string, sealed: string): Uint8Array | null {
  const [version, iv, body, tag] = sealed.split('.')
  if (version !== VERSION || !iv || !body || !tag) return null
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFrom(secret), Buffer.from(iv, 'base64url'))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return new Uint8Array(Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]))
  } catch {
    return null
  }
}
