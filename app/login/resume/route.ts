import { NextResponse, type NextRequest } from 'next/server'
import { auth } from '@/lib/auth/config'
import { getEnv } from '@/lib/env'
import { completeLogin } from '@/lib/login/complete'
import { forgetPending, readPending } from '@/lib/login/cookie'
import { problemPath } from '@/lib/login/problems'
import { endSourceIntent, readSourceIntent } from '@/lib/login/idp-round-trip'
import { loginPath } from '../params'
import { traceCompletion } from '@/lib/server/login-spans'

// Back from the upstream IdP, signed in: complete the login request the person left from, with no
// second click. The sealed intent (written only by a same-origin POST from the login page) must
// match this address, and the bridge session must come from that source after the person left.

function redirectTo(path: string): NextResponse {
  return NextResponse.redirect(new URL(path, getEnv().APP_URL), 303)
}

export async function GET(request: NextRequest) {
  const intent = await readSourceIntent()
  const query = request.nextUrl.searchParams
  if (!intent || intent.id !== query.get('intent') || intent.params.loginRequestId !== query.get('login_request_id')) {
    return redirectTo(problemPath('no_session'))
  }
  await endSourceIntent()
  const session = await auth()
  if (!session?.identity || session.source !== intent.source || (session.signedInAt ?? 0) < intent.at) {
    return redirectTo(loginPath(intent.params))
  }
  const { identity } = session
  const pending = await readPending()
  const result = await traceCompletion('login.complete', intent.params, () =>
    completeLogin({
      params: intent.params,
      pending,
      identity,
      signedInAt: session.signedInAt ?? Date.now(),
    }),
  )
  if (!result.ok) return redirectTo(problemPath(result.problem, intent.params))
  await forgetPending(pending, intent.params.loginRequestId)
  return NextResponse.redirect(result.location, 303)
}
