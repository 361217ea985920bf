// Where the e2e suite runs the company's identity systems, and the credentials the bridge uses
// with them. The constants are the defaults; UPSTREAM_* variables override them for main.ts.
import { isPlainObject } from '../stand-in/http-helpers'
import type { CompanyApiOptions } from './company-api'
import type { CompanyAppOptions } from './company-app'
import type { TestIdpClient, TestIdpOptions } from './idp'

const IDP_PORT = 4140
const IDP_CONTROL_PORT = 4141
export const IDP_ISSUER = `http://localhost:${IDP_PORT}`
export const IDP_CONTROL_URL = `http://localhost:${IDP_CONTROL_PORT}`

export const ACME_CLIENT_ID = 'bridge-acme'
export const ACME_CLIENT_SECRET = 'bridge-acme-secret-0123456789'
const PARTNER_CLIENT_ID = 'bridge-partner'
export const PARTNER_CLIENT_SECRET = 'bridge-partner-secret-0123456789'
/** The bridges under test that may sign in with the IdP. */
export const BRIDGE_CALLBACK_PORTS = [3200, 3300, 3400] as const

const DEFAULT_IDP_CLIENTS: readonly TestIdpClient[] = [
  {
    clientId: ACME_CLIENT_ID,
    clientSecret: ACME_CLIENT_SECRET,
    redirectUris: BRIDGE_CALLBACK_PORTS.map((port) => `http://localhost:${port}/api/auth/callback/acme`),
  },
  {
    clientId: PARTNER_CLIENT_ID,
    clientSecret: PARTNER_CLIENT_SECRET,
    redirectUris: BRIDGE_CALLBACK_PORTS.map((port) => `http://localhost:${port}/api/auth/callback/partner`),
  },
]

const COMPANY_API_PORT = 4150
export const COMPANY_API_URL = `http://localhost:${COMPANY_API_PORT}`
export const COMPANY_API_VERIFY_URL = `${COMPANY_API_URL}/verify`
export const COMPANY_API_SECRET_HEADER = 'x-bridge-secret'
export const COMPANY_API_SECRET = 'company-api-shared-secret-0123456789'

const COMPANY_APP_PORT = 4160
export const COMPANY_APP_URL = `http://localhost:${COMPANY_APP_PORT}`
const COMPANY_APP_RETURN_ORIGINS: readonly string[] = [
  'http://localhost:3100',
  ...BRIDGE_CALLBACK_PORTS.map((port) => `http://localhost:${port}`),
]

export interface UpstreamOptions {
  idp: TestIdpOptions
  companyApi: CompanyApiOptions
  companyApp: CompanyAppOptions
}

export function readUpstreamOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): UpstreamOptions {
  const idpPort = readPort(env, 'UPSTREAM_IDP_PORT', IDP_PORT)
  return {
    idp: {
      port: idpPort,
      controlPort: readPort(env, 'UPSTREAM_IDP_CONTROL_PORT', IDP_CONTROL_PORT),
      issuer: env.UPSTREAM_IDP_ISSUER || `http://localhost:${idpPort}`,
      clients: env.UPSTREAM_IDP_CLIENTS ? parseClients(env.UPSTREAM_IDP_CLIENTS) : [...DEFAULT_IDP_CLIENTS],
    },
    companyApi: {
      port: readPort(env, 'UPSTREAM_COMPANY_API_PORT', COMPANY_API_PORT),
      secretHeader: env.UPSTREAM_COMPANY_API_SECRET_HEADER || COMPANY_API_SECRET_HEADER,
      secret: env.UPSTREAM_COMPANY_API_SECRET || COMPANY_API_SECRET,
    },
    companyApp: {
      port: readPort(env, 'UPSTREAM_COMPANY_APP_PORT', COMPANY_APP_PORT),
      allowedReturnOrigins: env.UPSTREAM_COMPANY_APP_RETURN_ORIGINS
        ? env.UPSTREAM_COMPANY_APP_RETURN_ORIGINS.split(',')
            .map((origin) => origin.trim())
            .filter(Boolean)
        : [...COMPANY_APP_RETURN_ORIGINS],
    },
  }
}

function readPort(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const value = env[key]
  if (!value) return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${key} must be a port number, not "${value}"`)
  return port
}

function parseClients(json: string): TestIdpClient[] {
  const fail = (): never => {
    throw new Error('UPSTREAM_IDP_CLIENTS must be a JSON array of { clientId, clientSecret, redirectUris: string[] }')
  }
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return fail()
  }
  if (!Array.isArray(value)) return fail()
  return value.map((entry: unknown) => {
    if (!isPlainObject(entry)) return fail()
    const { clientId, clientSecret, redirectUris } = entry
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || !isStringArray(redirectUris)) return fail()
    return { clientId, clientSecret, redirectUris }
  })
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}
