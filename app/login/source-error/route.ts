import { NextResponse, type NextRequest } from 'next/server'
import { getEnv } from '@/lib/env'
import { crossSitePath, recordIdpFailure } from '@/lib/auth/idp-sign-in'

// Auth.js's error and sign-in page. Failures of an IdP callback are handled before they get here
// (app/api/auth); what arrives is a direct visit or an Auth.js error outside a callback.
export async function GET(request: NextRequest) {
  // Only the bridge's own pages and Auth.js's redirects end a sign-in here; a link from another
  // site must not end one that is away at the IdP.
  const site = request.headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin' && site !== 'none') {
    return NextResponse.redirect(new URL(await crossSitePath(), getEnv().APP_URL), 303)
  }
  const type =
    request.nextUrl.searchParams
      .get('error')
      ?.replace(/[^A-Za-z]/g, '')
      .slice(0, 40) || 'unknown'
  const path = await recordIdpFailure({ type })
  return NextResponse.redirect(new URL(path, getEnv().APP_URL), 303)
}
