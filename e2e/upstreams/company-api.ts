import type { IncomingMessage, ServerResponse } from 'node:http'
import { isPlainObject, readBody, readJsonObject, safeEqual, sendJson } from '../stand-in/http-helpers'
import { noFault, parseFaultSetting, startUpstreamServer, waitUnlessClosed, type FaultSetting } from './server-support'

export interface CompanyApiOptions {
  /** 0 picks a free port. */
  port: number
  /** The header carrying the shared secret, e.g. `x-bridge-secret`. */
  secretHeader: string
  secret: string
}

export interface CompanyApi {
  url: string
  close(): Promise<void>
}

export type CompanyApiFault = 'none' | 'slow' | 'http500' | 'malformed'

export interface CompanyApiUser {
  email: string
  password: string
  /** Deliberately not OIDC claim names, so the bridge's claims mapping has work to do. */
  profile: Record<string, unknown>
}

export const COMPANY_API_USERS = {
  casey: {
    email: 'casey@company.test',
    password: 'casey-password',
    profile: {
      employee_id: 'emp-1001',
      work_email: 'casey@company.test',
      email_confirmed: true,
      display_name: 'Casey Jones',
      first_name: 'Casey',
      last_name: 'Jones',
      teams: ['support', 'mcp-users'],
      employee: { department: 'Support', cost_center: 'CC-42' },
      company: { id: 'org_company', name: 'Company Inc' },
    },
  },
  /** Within every per-claim cap, but about 50 KB in all: too much for a session cookie. */
  bulky: {
    email: 'bulky@company.test',
    password: 'bulky-password',
    profile: {
      employee_id: 'emp-2002',
      work_email: 'bulky@company.test',
      email_confirmed: true,
      display_name: 'Bulky Profile',
      teams: Array.from({ length: 200 }, (_, i) => `team-${i}-`.padEnd(250, 'x')),
    },
  },
} satisfies Record<string, CompanyApiUser>

/** What a `malformed` fault answers: the start of a profile, cut off. */
export const MALFORMED_PROFILE_BODY = '{"employee_id": "emp-1001",'

const FAULT_MODES: readonly CompanyApiFault[] = ['none', 'slow', 'http500', 'malformed']

interface VerifyCall {
  headers: IncomingMessage['headers']
  /** The password is never kept. */
  email: string | null
}

interface CompanyApiState {
  options: CompanyApiOptions
  fault: FaultSetting<CompanyApiFault>
  calls: VerifyCall[]
}

export async function startCompanyApi(options: CompanyApiOptions): Promise<CompanyApi> {
  const state: CompanyApiState = { options, fault: noFault(), calls: [] }
  return startUpstreamServer('company api', options.port, (req, res) => routeRequest(state, req, res))
}

async function routeRequest(state: CompanyApiState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const route = `${req.method} ${new URL(req.url ?? '/', 'http://company-api').pathname}`
  switch (route) {
    case 'POST /verify':
      return handleVerify(state, req, res)
    case 'POST /_company-api/faults': {
      const fault = parseFaultSetting(await readJsonObject(req), FAULT_MODES)
      if (!fault) return sendJson(res, 400, { error: `mode must be one of ${FAULT_MODES.join(', ')}; delayMs a number` })
      state.fault = fault
      return sendJson(res, 200, { ok: true, fault })
    }
    case 'GET /_company-api/calls':
      return sendJson(res, 200, { count: state.calls.length, last: state.calls.at(-1) ?? null })
    case 'POST /_company-api/reset':
      state.fault = noFault()
      state.calls = []
      return sendJson(res, 200, { ok: true })
    default:
      return sendJson(res, 404, { error: 'not found' })
  }
}

async function handleVerify(state: CompanyApiState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const credentials = parseCredentials(await readBody(req))
  state.calls.push({ headers: { ...req.headers }, email: credentials?.email ?? null })

  // A failing upstream fails whoever calls it, so faults come before any check.
  const { mode, delayMs } = state.fault
  if (mode === 'slow' && !(await waitUnlessClosed(res, delayMs))) return
  if (mode === 'http500') {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
    res.end('Internal Server Error')
    return
  }
  if (mode === 'malformed') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(MALFORMED_PROFILE_BODY)
    return
  }

  const presented = req.headers[state.options.secretHeader.toLowerCase()]
  if (typeof presented !== 'string' || !safeEqual(presented, state.options.secret)) {
    return sendJson(res, 403, { error: 'forbidden' })
  }
  if (!credentials) return sendJson(res, 400, { error: 'invalid_request' })

  const user = Object.values(COMPANY_API_USERS).find((candidate) => candidate.email === credentials.email.toLowerCase())
  if (!user || !safeEqual(credentials.password, user.password)) return sendJson(res, 401, { error: 'invalid_credentials' })
  sendJson(res, 200, user.profile)
}

function parseCredentials(body: string): { email: string; password: string } | undefined {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return undefined
  }
  if (!isPlainObject(value)) return undefined
  const { email, password } = value
  if (typeof email !== 'string' || typeof password !== 'string' || email === '' || password === '') return undefined
  return { email, password }
}
