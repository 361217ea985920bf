import 'server-only'
import { createHash } from 'node:crypto'

// One JSON line per event on stdout. Every step of a login request (login_received,
// sign_in_failed, login_submitted, login_completed / scalekit_refused / login_rejected...) carries
// `cid`, the correlation id: a 12-character hash of the login request id, also shown on the admin
// detail page, so one login can be followed through the logs of every instance. Login request ids
// and states appear only as such hashes, and only scalar fields the caller names are written, so a
// password, secret or token cannot reach the log by accident.

type Field = string | number | boolean | null | undefined

/** What a caught error says, for a log field (logEvent cuts it to 300 characters). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 12)
}

export function logEvent(event: string, fields: Record<string, Field> = {}): void {
  const line: Record<string, Field> = { t: new Date().toISOString(), event }
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue
    line[key] = typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300) : value
  }
  process.stdout.write(`${JSON.stringify(line)}\n`)
}
