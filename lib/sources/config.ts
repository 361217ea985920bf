import 'server-only'
import { z } from 'zod'
import { isAcceptableServiceUrl } from '../server/urls'
import { describeIssues, envSecret, parseJson, readJsonSetting } from '../server/json-setting'
import { ClaimsMappingSchema, resolveMapping, type ResolvedMapping } from './claims'

// The identity sources a deployment signs people in with, read from IDENTITY_SOURCES (a JSON
// array) or IDENTITY_SOURCES_FILE (a path to one). Environment variables alone are enough, so a
// deployment that has only env (Vercel and the like) can configure every source. Any secret may be
// written as "env:NAME" to read it from another variable instead of the JSON.

const ServiceUrl = z
  .string()
  .trim()
  .pipe(z.url({ error: 'must be an absolute URL' }))
  .refine(isAcceptableServiceUrl, 'must use https (plain http is accepted only for localhost, 127.0.0.0/8 and [::1])')

const DisplayName = z.string().trim().min(1).max(64)
const TimeoutMs = z.number().int().min(100).max(30_000)
// RFC 7230 token: what an HTTP header or cookie name may be.
const Token = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/, 'must be a valid header/cookie name')

function sourceSchemas(env: Record<string, string | undefined>) {
  const base = {
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1 to 32 lowercase letters, digits or dashes (it appears in URLs and in subjects)'),
    claims: ClaimsMappingSchema.optional(),
  }
  return z.discriminatedUnion(
    'type',
    [
      z.strictObject({ ...base, type: z.literal('local'), name: DisplayName.default('Email and password') }),
      z.strictObject({
        ...base,
        type: z.literal('oidc'),
        name: DisplayName,
        issuer: ServiceUrl,
        clientId: z.string().trim().min(1),
        clientSecret: envSecret(1, env),
        scopes: z
          .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, 'must be a scope name'))
          .default(['openid', 'email', 'profile'])
          .refine((scopes) => scopes.includes('openid'), 'must include "openid"'),
      }),
      z.strictObject({
        ...base,
        type: z.literal('http'),
        name: DisplayName.default('Company account'),
        url: ServiceUrl,
        secretHeader: Token.default('x-bridge-secret'),
        secret: envSecret(16, env),
        timeoutMs: TimeoutMs.default(5000),
      }),
      z.strictObject({
        ...base,
        type: z.literal('session'),
        name: DisplayName,
        whoamiUrl: ServiceUrl,
        cookies: z.array(Token).min(1, 'must name at least one cookie of the company app'),
        loginUrl: ServiceUrl,
        returnToParam: Token.default('return_to'),
        timeoutMs: TimeoutMs.default(3000),
      }),
    ],
    { error: 'type must be one of "local", "oidc", "http", "session"' },
  )
}

type ParsedSource = z.infer<ReturnType<typeof sourceSchemas>>
type WithResolvedClaims<S> = S extends unknown ? Omit<S, 'claims'> & { claims: ResolvedMapping } : never
export type IdentitySource = WithResolvedClaims<ParsedSource>
export type SourceOfType<T extends IdentitySource['type']> = Extract<IdentitySource, { type: T }>

/** With no IDENTITY_SOURCES, the bridge signs people in with its own user directory. */
const DEFAULT_SOURCES_JSON = '[{"id":"local","type":"local"}]'

type SubjectFormat = 'auto' | 'namespaced' | 'raw'

export interface SourcesConfig {
  sources: IdentitySource[]
  /** `sub` is "<source id>|<subject>", so two sources can never both own one subject. */
  namespaceSubjects: boolean
}

/** Reads and checks every source; problems are returned as sentences naming the key to fix. */
export function parseSourcesConfig(env: Record<string, string | undefined>): { config?: SourcesConfig; problems: string[] } {
  const problems: string[] = []
  const key = env.IDENTITY_SOURCES_FILE?.trim() ? 'IDENTITY_SOURCES_FILE' : 'IDENTITY_SOURCES'
  const text = readJsonSetting(env, { inline: 'IDENTITY_SOURCES', file: 'IDENTITY_SOURCES_FILE' }, problems, DEFAULT_SOURCES_JSON)
  const raw = text === undefined ? undefined : parseJson(text, key, problems)
  if (raw === undefined) return { problems }

  const parsed = z
    .array(sourceSchemas(env), { error: 'must be a JSON array of sources' })
    .min(1, 'must list at least one source')
    .safeParse(raw)
  if (!parsed.success) {
    problems.push(...describeIssues(parsed.error.issues, raw, key, 'id'))
    return { problems }
  }

  const sources = parsed.data.map((source) => ({ ...source, claims: resolveMapping(source.claims) }))
  const seen = new Set<string>()
  for (const source of sources) {
    if (seen.has(source.id)) problems.push(`${key}: the id "${source.id}" is used twice; ids must be unique`)
    seen.add(source.id)
  }
  const credentialSources = sources.filter((source) => source.type === 'local' || source.type === 'http')
  if (credentialSources.length > 1) {
    problems.push(
      `${key}: ${credentialSources.map((s) => `"${s.id}"`).join(' and ')} both take an email and password; the sign-in page has one such form, so keep one local or http source`,
    )
  }

  const format = (env.SUBJECT_FORMAT?.trim() || 'auto') as SubjectFormat
  if (!['auto', 'namespaced', 'raw'].includes(format)) {
    problems.push('SUBJECT_FORMAT must be auto, namespaced or raw')
  } else if (format === 'raw' && sources.length > 1) {
    problems.push(
      'SUBJECT_FORMAT=raw keeps subjects as the sources give them, which is safe only with one source: with several, two people could share a sub. Use auto or namespaced',
    )
  }
  if (problems.length) return { problems }
  const namespaceSubjects = format === 'namespaced' || (format === 'auto' && sources.length > 1)
  return { config: { sources, namespaceSubjects }, problems }
}
