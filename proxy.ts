import { NextResponse, type NextRequest } from 'next/server'
import { getEnv } from '@/lib/env'
import {
  cookieNameFor,
  cookieOptionsFor,
  parseLoginRequestParams,
  sealPending,
  unsealPending,
  withPendingEntry,
  type LoginRequestParams,
} from '@/lib/login/request'
import { isProblemCode, PROBLEMS } from '@/lib/login/problems'
import { ADMIN_PROBLEMS, isAdminProblemCode } from '@/lib/admin/problems'
import { INVITATION_PROBLEMS, isInvitationProblemCode } from '@/lib/users/invitation-problems'
import { EMAIL_LINK_PAGES, emailLinkProblemStatus } from '@/lib/mail/link-problems'
import { isSameOriginPost, securityHeaders } from '@/lib/server/headers'
import { logEvent } from '@/lib/server/log'
import { findServer, type McpServer } from '@/lib/servers'
import { LOCALE_COOKIE, LOCALE_HEADER, LOCALE_PARAM, PAGE_ADDRESS_HEADER } from '@/lib/i18n/locales'
import { negotiateLocale } from '@/lib/i18n/negotiate'

// Cheap, per-request work only: security headers on every response (redirects and errors too),
// the trailing-slash redirect (Next's own one carries no custom headers), the HTTP status of the
// problem pages (login, admin sign-in, invitation links), refusing forms posted from another
// site, binding an arriving login request to this browser in a sealed cookie, and the language
// the page speaks (lib/i18n/negotiate.ts), remembered in a cookie once the page asked for one.
// Authorization is never decided here; pages, actions and route handlers check it themselves.

function applyHeaders(response: NextResponse, pathname: string, nonce: string, secure: boolean): NextResponse {
  for (const [name, value] of Object.entries(securityHeaders(pathname, { nonce, secure }))) {
    response.headers.set(name, value)
  }
  return response
}

/** The page's language, for i18n/request.ts; a language the page asked for is kept for the next pages (a year). */
function negotiate(request: NextRequest, requestHeaders: Headers, fallback: Parameters<typeof negotiateLocale>[0]['fallback']) {
  const { searchParams } = request.nextUrl
  const { locale, remember } = negotiateLocale({
    lang: searchParams.get(LOCALE_PARAM),
    uiLocales: searchParams.get('ui_locales'),
    cookie: request.cookies.get(LOCALE_COOKIE)?.value,
    acceptLanguage: request.headers.get('accept-language'),
    fallback,
  })
  requestHeaders.set(LOCALE_HEADER, locale)
  // The language menu's links keep the page's address (the login request in it) and change only `lang`.
  requestHeaders.set(PAGE_ADDRESS_HEADER, `${request.nextUrl.pathname}${request.nextUrl.search}`)
  return (response: NextResponse) => {
    if (remember && request.cookies.get(LOCALE_COOKIE)?.value !== locale) {
      response.cookies.set(LOCALE_COOKIE, locale, {
        path: '/',
        sameSite: 'lax',
        httpOnly: true,
        secure: getEnv().secure,
        maxAge: 365 * 24 * 3600,
      })
    }
    return response
  }
}

/**
 * The URL of a page of this app on the origin Next.js's router takes as its own, so it serves a
 * rewrite to it in-process. The proxy's request URL always says localhost, while the router's
 * origin is the address the server is bound to (`next start -H 127.0.0.1`, HOSTNAME for the
 * standalone server); to any other origin, Next.js proxies the rewrite to itself over HTTP, which
 * fails on a loopback bind. Next.js 16.4 keeps the bound origin in __NEXT_PRIVATE_ORIGIN (both
 * servers set it at listen); the e2e suite's bridges run bound to 127.0.0.1, so a change fails it.
 */
function ownUrl(request: NextRequest, pathname: string, search = ''): URL {
  return new URL(`${pathname}${search}`, process.env['__NEXT_PRIVATE_ORIGIN'] || request.nextUrl.origin)
}

/** A form posted from another site: the login area sends the person to its problem page. */
function refuseCrossSitePost(request: NextRequest, loginArea: boolean, appUrl: string): NextResponse {
  const origin = request.headers.get('origin')
  logEvent('cross_site_rejected', { origin: origin ?? 'none', site: request.headers.get('sec-fetch-site') ?? 'none' })
  if (loginArea) return NextResponse.redirect(new URL('/login/problem/cross_site', appUrl), 303)
  return new NextResponse('Forbidden: this form was not sent from this site.\n', {
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  })
}

/** The status of a problem page (the login request's, the admin sign-in's, an invitation's, a reset link's or another message's link) from its table; null elsewhere. */
function problemPageStatus(pathname: string): number | null {
  if (pathname.startsWith('/login/problem/')) {
    const code = pathname.slice('/login/problem/'.length)
    return isProblemCode(code) ? PROBLEMS[code].status : 404
  }
  if (pathname.startsWith('/admin/problem/')) {
    const code = pathname.slice('/admin/problem/'.length)
    return isAdminProblemCode(code) ? ADMIN_PROBLEMS[code].status : 404
  }
  if (pathname.startsWith('/invite/problem/')) {
    const code = pathname.slice('/invite/problem/'.length)
    return isInvitationProblemCode(code) ? INVITATION_PROBLEMS[code].status : 404
  }
  return emailLinkProblemStatus(pathname)
}

/** Adds the arriving login request to this browser's sealed map (lib/login/request.ts). */
async function bindLoginRequest(
  request: NextRequest,
  response: NextResponse,
  params: LoginRequestParams,
  serverKey: string,
): Promise<void> {
  const env = getEnv()
  const name = cookieNameFor(env.secure)
  const ttl = env.LOGIN_REQUEST_TTL_SECONDS
  const pending = await unsealPending(request.cookies.get(name)?.value, env.SESSION_SECRET, ttl)
  const seal = await sealPending(withPendingEntry(pending, params, Date.now(), ttl, serverKey), env.SESSION_SECRET, ttl)
  response.cookies.set(name, seal, cookieOptionsFor(env.secure, ttl))
}

/**
 * The server a login endpoint serves: /login its default (undefined when there is none),
 * /login/{key} a server of MCP_SERVERS. Null for any other path (/login/resume and the like).
 */
function loginEndpointServer(pathname: string): McpServer | undefined | null {
  if (pathname === '/login') return findServer(undefined)
  const key = /^\/login\/([a-z0-9-]{1,40})$/.exec(pathname)?.[1]
  return key ? (findServer(key) ?? null) : null
}

/** A GET of a login endpoint: bind a well-formed request to this browser, or show why not (400, 404). */
async function arriveAtLoginEndpoint(request: NextRequest, server: McpServer | undefined, requestHeaders: Headers): Promise<NextResponse> {
  const parsed = parseLoginRequestParams(request.nextUrl.searchParams.get('login_request_id'), request.nextUrl.searchParams.get('state'))
  if (!server || !parsed.ok) {
    // /login with several servers and none marked default has nothing to sign in to, whatever its parameters.
    const code = !server || parsed.ok ? 'unknown_server' : parsed.problem
    return NextResponse.rewrite(ownUrl(request, `/login/problem/${code}`), {
      status: PROBLEMS[code].status,
      request: { headers: requestHeaders },
    })
  }
  const response = NextResponse.next({ request: { headers: requestHeaders } })
  await bindLoginRequest(request, response, parsed.params, server.key)
  return response
}

export async function proxy(request: NextRequest) {
  const env = getEnv()
  const { pathname } = request.nextUrl
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')

  if (pathname.length > 1 && pathname.endsWith('/')) {
    // A plain URL: NextURL would put the trailing slash back when serialised.
    // On the public origin: the proxy's own request URL always says localhost.
    const target = new URL(`${pathname.replace(/\/+$/, '') || '/'}${request.nextUrl.search}`, env.APP_URL)
    return applyHeaders(NextResponse.redirect(target, 308), target.pathname, nonce, env.secure)
  }

  // Next.js reads the nonce from the request's CSP header and puts it on its own scripts.
  const requestHeaders = new Headers(request.headers)
  requestHeaders.set('x-nonce', nonce)
  requestHeaders.set('Content-Security-Policy', securityHeaders(pathname, { nonce, secure: env.secure })['Content-Security-Policy']!)
  const remembered = negotiate(request, requestHeaders, env.DEFAULT_LOCALE)

  const isForm = (area: string) => pathname === area || pathname.startsWith(`${area}/`)
  // Every page with forms: the login area, the admin area, /account, the invitation links and the links of messages.
  if (request.method === 'POST' && ['/login', '/admin', '/account', '/invite', ...Object.keys(EMAIL_LINK_PAGES)].some(isForm)) {
    if (!isSameOriginPost(request.headers.get('origin'), request.headers.get('sec-fetch-site'), env.APP_URL)) {
      return remembered(applyHeaders(refuseCrossSitePost(request, isForm('/login'), env.APP_URL), pathname, nonce, env.secure))
    }
    // Our own no-referrer form post: give Next's server-action origin check the origin it expects.
    requestHeaders.set('origin', env.APP_URL)
  }

  // A form posted from a problem page (the denied page's buttons) is a server action, not a page view.
  const status = request.method === 'GET' || request.method === 'HEAD' ? problemPageStatus(pathname) : null
  if (status !== null) {
    const response = NextResponse.rewrite(ownUrl(request, pathname, request.nextUrl.search), {
      status,
      request: { headers: requestHeaders },
    })
    return remembered(applyHeaders(response, pathname, nonce, env.secure))
  }

  // Without METRICS_TOKEN, /api/metrics is served exactly as an address the app does not have
  // (security.md case 47); the route handler refuses it too.
  if (pathname === '/api/metrics' && !env.METRICS_TOKEN) {
    const response = NextResponse.rewrite(ownUrl(request, '/api/metrics/not-found'), { request: { headers: requestHeaders } })
    return remembered(applyHeaders(response, pathname, nonce, env.secure))
  }

  if (pathname === '/admin/unavailable') {
    const response = NextResponse.rewrite(ownUrl(request, pathname, request.nextUrl.search), {
      status: 503,
      request: { headers: requestHeaders },
    })
    response.headers.set('Retry-After', '5')
    return remembered(applyHeaders(response, pathname, nonce, env.secure))
  }

  const server = request.method === 'GET' || request.method === 'HEAD' ? loginEndpointServer(pathname) : null
  if (server !== null)
    return remembered(applyHeaders(await arriveAtLoginEndpoint(request, server, requestHeaders), pathname, nonce, env.secure))

  return remembered(applyHeaders(NextResponse.next({ request: { headers: requestHeaders } }), pathname, nonce, env.secure))
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
