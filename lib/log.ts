import 'server-only'
import { createHash } from 'node:crypto'

// One JSON line per event. Login request ids and states appear only as short hashes, and only
// fields named here are written, so a password, secret or token cannot reach the log by accident.

type Field = string | number | boolean | null | undefined

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
