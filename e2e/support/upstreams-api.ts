import type { IdTokenFault } from '../upstreams/idp'
import type { CompanyApiFault } from '../upstreams/company-api'
import type { CompanyAppFault } from '../upstreams/company-app'
import { COMPANY_API_URL, COMPANY_APP_URL, IDP_CONTROL_URL } from '../upstreams/options'

// Control of the company's identity systems the e2e suite runs: faults, outages, and what they saw.

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

export const setIdTokenFault = (idToken: IdTokenFault) => call('POST', `${IDP_CONTROL_URL}/_idp/faults`, { idToken })
export const takeIdpDown = () => call('POST', `${IDP_CONTROL_URL}/_idp/down`, {})
export const bringIdpUp = () => call('POST', `${IDP_CONTROL_URL}/_idp/up`, {})
/** What the IdP has served since its counters were last cleared, by `METHOD /path` (ids in paths as `:uid`). */
export const idpRequests = async () =>
  (await call<{ requests: Record<string, number> }>('GET', `${IDP_CONTROL_URL}/_idp/requests`)).requests
export const clearIdpRequests = () => call('POST', `${IDP_CONTROL_URL}/_idp/requests/reset`, {})
/** The IdP signs with a new key (new kid) from now on; resetUpstreams goes back to the original. */
export const rotateIdpKey = () => call<{ kid: string; previousKid: string }>('POST', `${IDP_CONTROL_URL}/_idp/rotate-key`, {})

export const setCompanyApiFault = (mode: CompanyApiFault, delayMs?: number) =>
  call('POST', `${COMPANY_API_URL}/_company-api/faults`, { mode, delayMs })
export const companyApiCalls = () =>
  call<{ count: number; last: { headers: Record<string, string>; email: string } | null }>('GET', `${COMPANY_API_URL}/_company-api/calls`)

export const setCompanyAppFault = (mode: CompanyAppFault, delayMs?: number) =>
  call('POST', `${COMPANY_APP_URL}/_company-app/faults`, { mode, delayMs })
export const companyAppCalls = () => call<{ count: number; cookieNames: string[][] }>('GET', `${COMPANY_APP_URL}/_company-app/calls`)

/** Every upstream back to normal: no faults, the IdP listening with its original key, counters cleared. */
export async function resetUpstreams(): Promise<void> {
  await call('POST', `${IDP_CONTROL_URL}/_idp/reset`, {})
  await call('POST', `${COMPANY_API_URL}/_company-api/reset`, {})
  await call('POST', `${COMPANY_APP_URL}/_company-app/reset`, {})
}
