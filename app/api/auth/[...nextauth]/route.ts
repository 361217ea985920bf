import { NextResponse, type NextRequest } from 'next/server'
import { handlers } from '@/lib/auth/config'
import { withSignInCapture } from '@/lib/auth/capture'
import { getEnv } from '@/lib/env'
import { crossSitePath, isSourceErrorPage, recordIdpFailure } from '@/lib/auth/idp-sign-in'
import { failedBrowserCheck } from '@/lib/auth/errors'
import { readSourceIntent } from '@/lib/login/idp-round-trip'
import { endAdminSignIn, readAdminSignIn } from '@/lib/admin/sign-in-intent'

// Auth.js answers every failure of an IdP callback with a redirect to its error page and the
// error's type only. Run here, the failure itself is still at hand, so it is recorded against the
// login request and the person goes straight to the page that explains it (the admin area's own
// page for a sign-in started there).

async function handle(request: NextRequest, handler: (request: NextRequest) => Promise<Response>): Promise<Response> {
  const fromLoginRequest = (await readSourceIntent()) !== null
  const { value, thrown, captured } = await withSignInCapture(() => handler(request), { fromLoginRequest })
  if (thrown !== undefined) throw thrown
  const response = value as Response
  const location = response.headers.get('location')
  if (captured.error === undefined || !location || !isSourceErrorPage(location)) {
    // An IdP sign-in started at the admin area is over: its note goes (lib/admin/sign-in-intent.ts).
    if (captured.identity && !fromLoginRequest && (await readAdminSignIn())) await endAdminSignIn()
    return response
  }
  // A forged callback from another site must not end a sign-in that is away at the IdP: its
  // intent, PKCE, state and nonce cookies stay as they are.
  if (request.headers.get('sec-fetch-site') !== 'same-origin' && failedBrowserCheck(captured.error)) {
    return NextResponse.redirect(new URL(await crossSitePath(), getEnv().APP_URL), 303)
  }

  const target = NextResponse.redirect(
    new URL(await recordIdpFailure(captured.error, request.nextUrl.searchParams.get('error')), getEnv().APP_URL),
    303,
  )
  // Keep Auth.js's own cookie changes (it clears its PKCE, state and nonce cookies).
  for (const cookie of response.headers.getSetCookie()) target.headers.append('set-cookie', cookie)
  return target
}

export function GET(request: NextRequest) {
  return handle(request, handlers.GET)
}

export function POST(request: NextRequest) {
  return handle(request, handlers.POST)
}
