import 'server-only'
import { CONNECTION_ID_PAGE, CONNECTION_ID_PATTERN, ConfigError, parseEnv } from '../env'
import { CREDENTIALS_PAGE, fail, pass, readEnvValue, type EnvSource, type Finding } from './findings'

// 1. The configuration, through the same parser the server refuses to start with.

export const APP_URL_FIX = 'Set APP_URL to the public https origin people and Scalekit reach the bridge at, e.g. https://login.example.com.'

const ENV_FIXES: Record<string, string> = {
  APP_URL: APP_URL_FIX,
  SCALEKIT_ENVIRONMENT_URL: `Copy the Environment URL from ${CREDENTIALS_PAGE} into SCALEKIT_ENVIRONMENT_URL.`,
  SCALEKIT_CLIENT_ID: `Copy the client id from ${CREDENTIALS_PAGE} into SCALEKIT_CLIENT_ID.`,
  SCALEKIT_CLIENT_SECRET: `Copy (or create) a client secret in ${CREDENTIALS_PAGE} into SCALEKIT_CLIENT_SECRET.`,
  SESSION_SECRET: 'Set SESSION_SECRET to at least 32 random characters: openssl rand -base64 32.',
  AUTH_SECRET: 'Set AUTH_SECRET to at least 32 random characters: openssl rand -base64 32.',
  IDENTITY_SOURCES: 'Correct IDENTITY_SOURCES (README > Identity sources).',
  IDENTITY_SOURCES_FILE: 'Correct IDENTITY_SOURCES_FILE or the JSON it points at (README > Identity sources).',
}

function suggestEnvFix(key: string): string {
  return ENV_FIXES[key] ?? `Correct ${key} in the env file (.env.example documents it).`
}

/** The key a problem of lib/env.ts is about: its messages start with the key's name. */
function readProblemKey(problem: string): string {
  return /^([A-Z][A-Z0-9_]*)/.exec(problem)?.[1] ?? 'config'
}

/**
 * One summary line, then one line per problem. Problems of SCALEKIT_CONNECTION_ID are left to
 * checkConnectionId, which reports them with the dashboard page to copy the id from.
 */
export function checkEnv(source: EnvSource): Finding[] {
  let problems: string[]
  try {
    parseEnv(source)
    return [pass('env', 'The configuration is valid: the bridge would start with it.')]
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    problems = error.problems
  }
  const lines = problems
    .filter((problem) => readProblemKey(problem) !== 'SCALEKIT_CONNECTION_ID')
    .map((problem) => {
      const key = readProblemKey(problem)
      return fail(`env.${key}`, problem, suggestEnvFix(key))
    })
  const summary = fail(
    'env',
    `${problems.length} configuration problem${problems.length === 1 ? '' : 's'}: the bridge would refuse to start.`,
    lines.length ? 'Correct the keys named on the env.* lines that follow.' : 'Correct SCALEKIT_CONNECTION_ID (see connection-id).',
  )
  return [summary, ...lines]
}

// ---------------------------------------------------------------------------------------------
// 2. conn_, not res_.

export function checkConnectionId(source: EnvSource): Finding {
  const value = readEnvValue(source, 'SCALEKIT_CONNECTION_ID')
  const fix = `Copy the Connection ID (it starts with conn_) from ${CONNECTION_ID_PAGE} into SCALEKIT_CONNECTION_ID.`
  if (!value) return fail('connection-id', 'SCALEKIT_CONNECTION_ID is not set.', fix)
  if (value.startsWith('res_')) {
    return fail('connection-id', `SCALEKIT_CONNECTION_ID is ${value}: a res_ id is the MCP server's resource id, not its connection.`, fix)
  }
  if (!CONNECTION_ID_PATTERN.test(value)) {
    return fail('connection-id', `SCALEKIT_CONNECTION_ID (${value}) does not look like conn_<letters and digits>.`, fix)
  }
  return pass('connection-id', `SCALEKIT_CONNECTION_ID is a connection id (${value}).`)
}
