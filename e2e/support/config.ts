import { ACME_CLIENT_SECRET, BRIDGE_CALLBACK_PORTS, COMPANY_API_SECRET, PARTNER_CLIENT_SECRET } from '../upstreams/options'
import path from 'node:path'
import { resolveSecretsFile, type IssuedSecret } from './issued-secrets'

// Where the e2e suite runs everything, and the bridge configuration it uses. All loopback.

export const BRIDGE_PORT = Number(process.env.E2E_BRIDGE_PORT ?? 3100)
export const STAND_IN_PORT = Number(process.env.E2E_STAND_IN_PORT ?? 4110)
export const MCP_PORT = Number(process.env.E2E_MCP_PORT ?? 4120)
export const DEMO_CLIENT_PORT = Number(process.env.E2E_DEMO_CLIENT_PORT ?? 4130)

export const APP_URL = `http://localhost:${BRIDGE_PORT}`
/** The same server under another origin, for cross-origin cases. */
export const APP_URL_OTHER_ORIGIN = `http://127.0.0.1:${BRIDGE_PORT}`
export const SCALEKIT_URL = `http://127.0.0.1:${STAND_IN_PORT}`
/** The OTLP/HTTP receiver every bridge of the suite sends its spans to: the stand-in serves it (e2e/otlp). */
export const OTLP_URL = `http://127.0.0.1:${STAND_IN_PORT}`
export const MCP_URL = `http://localhost:${MCP_PORT}/mcp`
export const DEMO_CLIENT_URL = `http://127.0.0.1:${DEMO_CLIENT_PORT}`

export const CLIENT_ID = 'skc_e2e_bridge'
export const CLIENT_SECRET = 'e2e-bridge-client-secret-4f9a1c'
export const CONNECTION_ID = 'conn_e2e00000001'
export const RESOURCE_ID = 'res_e2e00000001'
export const SESSION_SECRET = 'e2e-session-secret-0123456789abcdef0123'
export const AUTH_SECRET = 'e2e-auth-secret-0123456789abcdef012345'
/** Prometheus's bearer token for /api/metrics (e2e/metrics.spec.ts). */
export const METRICS_TOKEN = 'e2e-metrics-token-0123456789abcdef0123'

export const DATABASE_URL = process.env.E2E_DATABASE_URL ?? 'file:.data/e2e.db'

/** The audit stream's receiver (e2e/audit-receiver/main.ts; 4150 is the upstream company API) and its Standard Webhooks secret. */
export const AUDIT_RECEIVER_PORT = Number(process.env.E2E_AUDIT_RECEIVER_PORT ?? 4155)
export const AUDIT_RECEIVER_URL = `http://127.0.0.1:${AUDIT_RECEIVER_PORT}`
const AUDIT_WEBHOOK_KEY = 'ZTJlLWF1ZGl0LXN0cmVhbS1zZWNyZXQtMGMzZjlhN2I='
export const AUDIT_WEBHOOK_SECRET = `whsec_${AUDIT_WEBHOOK_KEY}`

/** The suite's SMTP server (e2e/mail-catcher): the bridge sends mail there, signed in with these credentials. */
export const SMTP_PORT = Number(process.env.E2E_SMTP_PORT ?? 4170)
export const MAIL_CATCHER_HTTP_PORT = Number(process.env.E2E_MAIL_CATCHER_PORT ?? 4171)
export const MAIL_CATCHER_URL = `http://127.0.0.1:${MAIL_CATCHER_HTTP_PORT}`
export const SMTP_USER = 'bridge'
export const SMTP_PASSWORD = 'e2e-smtp-password-7c1d2e9b'

/** The bridges with identity sources (e2e/support/sources.ts) each have their own secrets, so localhost cookies do not cross. */
export function sourcesBridgeSecrets(port: number | string): { AUTH_SECRET: string; SESSION_SECRET: string } {
  return {
    AUTH_SECRET: `e2e-auth-secret-${port}-0123456789abcdef0123`,
    SESSION_SECRET: `e2e-session-secret-${port}-0123456789abcdef`,
  }
}

/** The suite's fixed secrets, which no log may hold; e2e/tools/scan-logs.ts adds them to what the run recorded. */
export function staticSecrets(): IssuedSecret[] {
  return [
    { kind: 'client_secret', value: CLIENT_SECRET },
    { kind: 'session_secret', value: SESSION_SECRET },
    { kind: 'auth_secret', value: AUTH_SECRET },
    { kind: 'metrics_token', value: METRICS_TOKEN },
    ...BRIDGE_CALLBACK_PORTS.flatMap((port) => {
      const secrets = sourcesBridgeSecrets(port)
      return [
        { kind: 'session_secret', value: secrets.SESSION_SECRET },
        { kind: 'auth_secret', value: secrets.AUTH_SECRET },
      ]
    }),
    { kind: 'idp_client_secret', value: ACME_CLIENT_SECRET },
    { kind: 'idp_client_secret', value: PARTNER_CLIENT_SECRET },
    { kind: 'company_api_secret', value: COMPANY_API_SECRET },
    { kind: 'webhook_secret', value: AUDIT_WEBHOOK_SECRET },
    { kind: 'webhook_secret', value: AUDIT_WEBHOOK_KEY },
    { kind: 'smtp_password', value: SMTP_PASSWORD },
  ]
}

/** The environment of a bridge under test; a case can override keys to start a differently configured one. */
export function bridgeEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    APP_URL,
    SCALEKIT_ENVIRONMENT_URL: SCALEKIT_URL,
    SCALEKIT_CLIENT_ID: CLIENT_ID,
    SCALEKIT_CLIENT_SECRET: CLIENT_SECRET,
    SCALEKIT_CONNECTION_ID: CONNECTION_ID,
    SESSION_SECRET,
    AUTH_SECRET,
    DATABASE_URL,
    LOGIN_REQUEST_TTL_SECONDS: '600',
    SCALEKIT_TIMEOUT_MS: '3000',
    // Every browser of the suite comes from 127.0.0.1; the flood case sets its own limit.
    NEW_LOGIN_REQUESTS_PER_ADDRESS: '1000000',
    // Likewise the per-address sign-in limit: the cases that show a refused sign-in (accessibility,
    // keyboard, languages...) add up on 127.0.0.1 and would lock the address for the 50 concurrent
    // logins of later cases. e2e/throttling.spec.ts tests the limit on a bridge of its own.
    SIGN_IN_MAX_FAILURES_PER_IP: '100000',
    // Cases that run sign-ins at once test other guarantees; shedding has its own bridge (case 31).
    PASSWORD_CHECK_CONCURRENCY: '64',
    // The audit stream, to the suite's receiver, polled and retried fast (e2e/audit-stream.spec.ts).
    AUDIT_WEBHOOK_URL: `${AUDIT_RECEIVER_URL}/audit`,
    AUDIT_WEBHOOK_SECRET,
    AUDIT_POLL_INTERVAL_MS: '100',
    AUDIT_RETRY_BASE_MS: '200',
    METRICS_TOKEN,
    // Email through the suite's SMTP server, polled and retried fast (e2e/email-*.spec.ts).
    SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${SMTP_PORT}`,
    MAIL_FROM: 'E2E Login <login@e2e.example>',
    MAIL_POLL_INTERVAL_MS: '100',
    MAIL_RETRY_BASE_MS: '200',
    // The runner resolves lib/ with the react-server condition; the server must not inherit it.
    NODE_OPTIONS: '',
    // Traces of every login go to the suite's receiver, which the end-of-run scan reads (case 48).
    OTEL_EXPORTER_OTLP_ENDPOINT: OTLP_URL,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    ...overrides,
  }
}

export function standInEnv(): Record<string, string> {
  return {
    STANDIN_PORT: String(STAND_IN_PORT),
    STANDIN_BRIDGE_LOGIN_URL: `${APP_URL}/login`,
    STANDIN_CLIENT_ID: CLIENT_ID,
    STANDIN_CLIENT_SECRET: CLIENT_SECRET,
    STANDIN_CONNECTION_ID: CONNECTION_ID,
    STANDIN_RESOURCE_ID: RESOURCE_ID,
    STANDIN_RESOURCE_URL: MCP_URL,
    // Absolute, so the stand-in appends to the same file as the test runner and the upstreams.
    STANDIN_SECRETS_FILE: resolveSecretsFile(),
    // The spans the bridges export, for the end-of-run scan (security.md case 48).
    STANDIN_SPANS_FILE: path.resolve(process.env.E2E_LOG_DIR || '.data/e2e-logs', 'spans-standin.jsonl'),
    NODE_OPTIONS: '',
  }
}

export function mcpEnv(): Record<string, string> {
  return {
    MCP_PORT: String(MCP_PORT),
    MCP_RESOURCE_URL: MCP_URL,
    SCALEKIT_ENVIRONMENT_URL: SCALEKIT_URL,
    STANDIN_RESOURCE_ID: RESOURCE_ID,
    DEMO_CLIENT_PORT: String(DEMO_CLIENT_PORT),
    NODE_OPTIONS: '',
  }
}
