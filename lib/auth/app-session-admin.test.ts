import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { AppSessionCheck } from '../sources/session'
import type { IdentitySource } from '../sources/config'

// The session source's provider at the admin sign-in: the company app's answer makes a bridge
// session for the admin area only when the person is an administrator (ADMIN_EMAILS, verified).

vi.mock('next-auth', () => ({ AuthError: class extends Error {}, CredentialsSignin: class extends Error {} }))
vi.mock('next-auth/providers/credentials', () => ({ default: (options: unknown) => options }))
vi.mock('../env', () => ({ getEnv: () => ({ ADMIN_EMAILS: ['walter@company.test'] }) }))
const answer = vi.hoisted(() => ({ current: undefined as AppSessionCheck | undefined }))
vi.mock('../sources/session', () => ({ checkAppSession: async () => answer.current }))

const { providerFor } = await import('./providers')
const { AppSignedOut, NotAnAdmin } = await import('./errors')

const source = {
  id: 'company-app',
  type: 'session',
  name: 'Company app',
  whoamiUrl: 'https://intranet.example/api/me',
  cookies: ['company_session'],
  loginUrl: 'https://intranet.example/login',
  returnToParam: 'return_to',
  timeoutMs: 1500,
} as unknown as IdentitySource

type Authorize = (raw: Record<string, unknown>, request: Request) => Promise<Record<string, unknown>>
const authorize = (providerFor(source) as unknown as { authorize: Authorize }).authorize
const request = new Request('http://bridge.test/api/auth/callback/company-app', { headers: { cookie: 'company_session=abc' } })

function signedIn(email: string, emailVerified: boolean): AppSessionCheck {
  return { outcome: 'signed_in', identity: { ok: true, profile: { source: 'company-app', subject: 'cu-1', email, emailVerified } } }
}

describe("the company app's session at the admin sign-in", () => {
  beforeEach(() => {
    answer.current = undefined
  })

  it('an administrator gets an admin-area session', async () => {
    answer.current = signedIn('walter@company.test', true)
    await expect(authorize({ purpose: 'admin' }, request)).resolves.toMatchObject({ email: 'walter@company.test', purpose: 'admin' })
  })

  it.each([
    ['not in ADMIN_EMAILS', signedIn('dana@company.test', true)],
    ['in ADMIN_EMAILS but not verified by the app', signedIn('walter@company.test', false)],
  ])('someone %s gets no session', async (_why, check) => {
    answer.current = check
    await expect(authorize({ purpose: 'admin' }, request)).rejects.toBeInstanceOf(NotAnAdmin)
  })

  it('a profile the claims mapping refused gets no admin session', async () => {
    answer.current = { outcome: 'signed_in', identity: { ok: false, source: 'company-app', issues: ['email: missing'] } }
    await expect(authorize({ purpose: 'admin' }, request)).rejects.toBeInstanceOf(NotAnAdmin)
  })

  it('outside the admin area, anyone the app knows signs in, without the admin purpose', async () => {
    answer.current = signedIn('dana@company.test', true)
    const user = await authorize({}, request)
    expect(user).toMatchObject({ email: 'dana@company.test' })
    expect(user.purpose).toBeUndefined()
  })

  it('signed out of the app: refused as before, whatever the purpose', async () => {
    answer.current = { outcome: 'signed_out' }
    await expect(authorize({ purpose: 'admin' }, request)).rejects.toBeInstanceOf(AppSignedOut)
  })
})
