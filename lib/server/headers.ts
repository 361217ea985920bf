// Response headers for every route. Login and OAuth routes relax Cross-Origin-Opener-Policy so
// popup-based MCP clients keep their handle on the window; everything else isolates itself.

export function isLoginOrOAuthPath(pathname: string): boolean {
  return pathname === '/login' || pathname.startsWith('/login/') || pathname === '/api/auth' || pathname.startsWith('/api/auth/')
}

/**
 * /account shows authenticator keys and recovery codes, /invite sets passwords, /verify-email and
 * /report-sign-in carry a message's one-time link: never kept in a cache.
 */
function holdsSecrets(pathname: string): boolean {
  return ['/account', '/invite', '/verify-email', '/report-sign-in'].some((area) => pathname === area || pathname.startsWith(`${area}/`))
}

export function contentSecurityPolicy(nonce: string): string {
  // No form-action: Chrome applies it to the redirect chain after a POST, which would block the
  // hop to Scalekit's partner:callback and on to the MCP client's redirect URI.
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Where the bridge serves BRAND_LOGO (app/brand/logo). */
const BRAND_LOGO_PATH = '/brand/logo'

export function securityHeaders(pathname: string, options: { nonce: string; secure: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    'Cross-Origin-Opener-Policy': isLoginOrOAuthPath(pathname) ? 'unsafe-none' : 'same-origin',
    // The brand's logo may be an SVG: opened on its own, it runs nothing and loads nothing.
    'Content-Security-Policy':
      pathname === BRAND_LOGO_PATH ? "default-src 'none'; style-src 'unsafe-inline'; sandbox" : contentSecurityPolicy(options.nonce),
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  }
  if (isLoginOrOAuthPath(pathname) || holdsSecrets(pathname)) headers['Cache-Control'] = 'no-store'
  if (options.secure) headers['Strict-Transport-Security'] = 'max-age=63072000; includeSubDomains'
  return headers
}

/**
 * Whether a POST comes from the bridge's own pages. Login pages send `Referrer-Policy:
 * no-referrer`, and with it browsers send `Origin: null` on form submissions (Fetch standard,
 * "serializing a request origin"), so a null Origin counts as ours only when the browser's own
 * Fetch Metadata says the request is same-origin. A missing Origin is refused.
 */
export function isSameOriginPost(origin: string | null, secFetchSite: string | null, appUrl: string): boolean {
  if (origin === appUrl) return secFetchSite === null || secFetchSite === 'same-origin'
  return origin === 'null' && secFetchSite === 'same-origin'
}
