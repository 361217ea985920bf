import fs from 'node:fs'
import { z } from 'zod'

// Settings given as JSON, inline in one variable or in a file another variable names
// (IDENTITY_SOURCES / IDENTITY_SOURCES_FILE, MCP_SERVERS / MCP_SERVERS_FILE), with "env:NAME"
// secrets. Problems are sentences that name the key to fix, and never quote the JSON (it may
// hold a secret).

/** The JSON text of a setting, or undefined when it is unset (and `fallback` is too) or unreadable. */
export function readJsonSetting(
  env: Record<string, string | undefined>,
  keys: { inline: string; file: string },
  problems: string[],
  fallback?: string,
): string | undefined {
  const inline = env[keys.inline]?.trim()
  const file = env[keys.file]?.trim()
  if (inline && file) {
    problems.push(`${keys.inline} and ${keys.file} are both set: keep one`)
    return undefined
  }
  if (!file) return inline || fallback
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    problems.push(`${keys.file}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    return undefined
  }
}

export function parseJson(text: string, key: string, problems: string[]): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    // Node's message quotes the input, which may hold a secret: report only where it broke.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1]
    problems.push(`${key} is not valid JSON${position ? ` (near character ${position})` : ''}`)
    return undefined
  }
}

/** A secret in the JSON, or "env:NAME" to read it from that environment variable. */
export function envSecret(min: number, env: Record<string, string | undefined>) {
  return z.string().transform((value, ctx) => {
    const name = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value)?.[1]
    const resolved = name ? env[name] : value
    if (name && !resolved) {
      ctx.addIssue({ code: 'custom', message: `refers to ${name}, which is not set` })
      return z.NEVER
    }
    if (!resolved || resolved.length < min) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${min} characters` })
      return z.NEVER
    }
    return resolved
  })
}

/** "KEY[2] (finance).allow.groups: message" for each issue of an array of entries with a name field. */
export function describeIssues(issues: z.core.$ZodIssue[], raw: unknown, key: string, nameField: string): string[] {
  return issues.map((issue) => {
    const [index, ...rest] = issue.path
    const entry = typeof index === 'number' && Array.isArray(raw) ? (raw[index] as Record<string, unknown> | undefined) : undefined
    const name = entry && typeof entry === 'object' ? entry[nameField] : undefined
    const where = typeof index === 'number' ? `${key}[${index}]${typeof name === 'string' ? ` (${name})` : ''}` : key
    return `${where}${rest.length ? `.${rest.join('.')}` : ''}: ${issue.message}`
  })
}
