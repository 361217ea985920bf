import fs from 'node:fs'
import path from 'node:path'

// Every secret a browser-suite run hands out (passwords, tokens, codes, states), one JSON line
// each, so e2e/tools/scan-logs.ts can prove none of them reached a log. The test runner, the
// Scalekit stand-in and the upstreams are separate processes; they all append to one file.
// Appends are synchronous so a secret is on disk before anything could log it.

export interface IssuedSecret {
  kind: string
  value: string
}

export type SecretRecorder = (kind: string, value: string) => void

const REPO_ROOT = path.resolve(__dirname, '../..')
const DEFAULT_SECRETS_FILE = '.data/e2e-secrets.jsonl'
/** Shorter values are left out: they would match by chance (and guessing them is no attack on a run). */
export const MIN_SECRET_LENGTH = 8

/** The secrets file of this run: `E2E_SECRETS_FILE` or the default, absolute from the repository root. */
export function resolveSecretsFile(file: string = process.env.E2E_SECRETS_FILE || DEFAULT_SECRETS_FILE): string {
  return path.resolve(REPO_ROOT, file)
}

const createdDirectories = new Set<string>()

export function recordSecret(kind: string, value: string, file: string = resolveSecretsFile()): void {
  if (value.length < MIN_SECRET_LENGTH) return
  const directory = path.dirname(file)
  if (!createdDirectories.has(directory)) {
    fs.mkdirSync(directory, { recursive: true })
    createdDirectories.add(directory)
  }
  fs.appendFileSync(file, `${JSON.stringify({ kind, value } satisfies IssuedSecret)}\n`)
}

/** A recorder bound to `file`; one that records nothing when no file is given. */
export function createSecretRecorder(file: string | undefined): SecretRecorder {
  if (!file) return () => {}
  const absolute = resolveSecretsFile(file)
  return (kind, value) => recordSecret(kind, value, absolute)
}

/** Reads a secrets file; a line that is not `{ kind, value }` throws, naming the line. */
export function readSecrets(file: string): IssuedSecret[] {
  const secrets: IssuedSecret[] = []
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return
      let entry: unknown
      try {
        entry = JSON.parse(line)
      } catch {
        entry = undefined
      }
      const { kind, value } = (entry ?? {}) as Partial<Record<keyof IssuedSecret, unknown>>
      if (typeof kind !== 'string' || typeof value !== 'string') {
        throw new Error(`${file}:${index + 1} is not a {"kind","value"} line`)
      }
      secrets.push({ kind, value })
    })
  return secrets
}
