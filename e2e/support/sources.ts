import {
  ACME_CLIENT_ID,
  ACME_CLIENT_SECRET,
  COMPANY_API_SECRET,
  COMPANY_API_SECRET_HEADER,
  COMPANY_API_VERIFY_URL,
  COMPANY_APP_URL,
  IDP_ISSUER,
} from '../upstreams/options'
import { bridgeEnv, sourcesBridgeSecrets } from './config'

// The identity sources of the bridges that sign people in with the company's own systems. One
// bridge (port 3200) has several sources at once: the local directory, the Acme IdP and the
// company app's session; another (3300) has only the company's credential API.

export const SOURCES_BRIDGE_PORT = 3200
export const SOURCES_BRIDGE_URL = `http://localhost:${SOURCES_BRIDGE_PORT}`
export const CREDENTIAL_API_BRIDGE_PORT = 3300
export const CREDENTIAL_API_BRIDGE_URL = `http://localhost:${CREDENTIAL_API_BRIDGE_PORT}`
/** For a bridge a single case starts with its own settings (short TTL, short session age...). */
export const SPARE_BRIDGE_PORT = 3400

export const acmeSource = {
  id: 'acme',
  type: 'oidc',
  name: 'Acme IdP',
  issuer: IDP_ISSUER,
  clientId: ACME_CLIENT_ID,
  clientSecret: 'env:ACME_CLIENT_SECRET',
  scopes: ['openid', 'email', 'profile', 'groups', 'org'],
  claims: { organizationExternalId: 'org.id', organizationExternalName: 'org.name', customAttributes: { department: 'department' } },
}

const companyAppSource = {
  id: 'company-app',
  type: 'session',
  name: 'Company app',
  whoamiUrl: `${COMPANY_APP_URL}/api/me`,
  cookies: ['company_session'],
  loginUrl: `${COMPANY_APP_URL}/login`,
  timeoutMs: 1500,
  claims: {
    sub: 'id',
    emailVerified: 'emailVerified',
    name: 'displayName',
    givenName: 'givenName',
    familyName: 'familyName',
    roles: 'roles',
  },
}

export const credentialApiSource = {
  id: 'corp',
  type: 'http',
  name: 'Company account',
  url: COMPANY_API_VERIFY_URL,
  secretHeader: COMPANY_API_SECRET_HEADER,
  secret: 'env:CORP_API_SECRET',
  timeoutMs: 1500,
  claims: {
    sub: 'employee_id',
    email: 'work_email',
    emailVerified: 'email_confirmed',
    name: 'display_name',
    givenName: 'first_name',
    familyName: 'last_name',
    groups: 'teams',
    organizationExternalId: 'company.id',
    organizationExternalName: 'company.name',
    customAttributes: { department: 'employee.department', costCenter: 'employee.cost_center' },
  },
}

/** A bridge's environment with these sources; each bridge has its own secrets, so localhost cookies do not cross. */
export function sourcesEnv(url: string, sources: unknown[], overrides: Record<string, string> = {}): Record<string, string> {
  const port = new URL(url).port
  return bridgeEnv({
    APP_URL: url,
    IDENTITY_SOURCES: JSON.stringify(sources),
    ACME_CLIENT_SECRET,
    CORP_API_SECRET: COMPANY_API_SECRET,
    ...sourcesBridgeSecrets(port),
    // Email off: these bridges share the suite's database with the main one, and a mail worker here
    // would send the main bridge's queued messages with links to this bridge's APP_URL.
    SMTP_URL: '',
    MAIL_FROM: '',
    ...overrides,
  })
}

const SOURCES_BRIDGE_SOURCES = [{ id: 'local', type: 'local' }, acmeSource, companyAppSource]

export function sourcesBridgeEnv(): Record<string, string> {
  // Grace's address is in the list too, but the IdP does not vouch for it (email_verified false).
  // Walter is an administrator through the company app's session; Dana, signed in there too, is not.
  return sourcesEnv(SOURCES_BRIDGE_URL, SOURCES_BRIDGE_SOURCES, { ADMIN_EMAILS: 'ada@acme.test,grace@acme.test,walter@company.test' })
}

export function credentialApiBridgeEnv(): Record<string, string> {
  return sourcesEnv(CREDENTIAL_API_BRIDGE_URL, [credentialApiSource])
}

/** The same login request, opened on another bridge than the one the stand-in names. */
export function loginUrlOn(bridgeUrl: string, request: { loginRequestId: string; state: string }): string {
  return `${bridgeUrl}/login?${new URLSearchParams({ login_request_id: request.loginRequestId, state: request.state })}`
}
