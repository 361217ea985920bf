import 'server-only'

// What every check returns, the helpers that build it, and the redaction that keeps secrets out.

export type FindingStatus = 'pass' | 'warn' | 'fail' | 'skip'

export interface Finding {
  id: string
  status: FindingStatus
  summary: string
  /** What to change (a dashboard page or an env key); set on everything that is not a pass. */
  fix?: string
}

export type EnvSource = Record<string, string | undefined>
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

export const CREDENTIALS_PAGE = 'Dashboard > Settings > API Credentials'

export const pass = (id: string, summary: string): Finding => ({ id, status: 'pass', summary })
export const warn = (id: string, summary: string, fix: string): Finding => ({ id, status: 'warn', summary, fix })
export const fail = (id: string, summary: string, fix: string): Finding => ({ id, status: 'fail', summary, fix })
export const skip = (id: string, summary: string, fix: string): Finding => ({ id, status: 'skip', summary, fix })

/** The trimmed value of an env key; undefined when unset or blank. */
export function readEnvValue(source: EnvSource, key: string): string | undefined {
  const value = source[key]?.trim()
  return value ? value : undefined
}

export function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Never print a secret, not even one echoed back by a server.

export function secretValues(source: EnvSource, extra: string[] = []): string[] {
  const values = Object.entries(source)
    .filter(([key, value]) => value && /SECRET|TOKEN|PASSWORD|PRIVATE_KEY/i.test(key))
    .map(([, value]) => value!.trim())
  values.push(...extra)
  // Connection URLs carry their password in the URL itself.
  for (const key of ['DATABASE_URL', 'SMTP_URL']) {
    const url = parseUrl(source[key]?.trim())
    if (!url?.password) continue
    values.push(url.password)
    try {
      values.push(decodeURIComponent(url.password))
    } catch {
      // A malformed escape: the raw form above is what would be printed.
    }
  }
  // Very short values would blank out ordinary words; none of those is a real secret anyway.
  return [...new Set(values.filter((value) => value.length >= 6))].sort((a, b) => b.length - a.length)
}

export function redactFinding(finding: Finding, secrets: string[]): Finding {
  const redact = (value: string) => secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), value)
  return { ...finding, summary: redact(finding.summary), ...(finding.fix ? { fix: redact(finding.fix) } : {}) }
}
