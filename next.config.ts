import type { NextConfig } from 'next'
import createNextIntlPlugin from 'next-intl/plugin'

const nextConfig: NextConfig = {
  // The container image runs .next/standalone/server.js: the server and only the files it traces
  // (scripts/standalone.mjs adds the static assets and the operator commands). docs/deployment.md.
  output: 'standalone',
  poweredByHeader: false,
  // proxy.ts performs the trailing-slash redirect itself, so the redirect carries the security
  // headers (COOP unsafe-none on /login/ too); Next's built-in one sends none.
  skipTrailingSlashRedirect: true,
  // Next.js would rewrite a proxy.ts rewrite's loopback host (127.0.0.1) to "localhost", which its
  // router then takes for another origin and proxies over HTTP: every problem page fails on a
  // loopback bind. proxy.ts sends rewrites to the router's own origin instead (ownUrl there).
  skipProxyUrlNormalize: true,
  // forbidden(): a signed-in non-admin gets the 403 page (app/forbidden.tsx) with a 403 status.
  experimental: { authInterrupts: true },
  serverExternalPackages: [
    'better-sqlite3',
    '@node-rs/argon2',
    'pg',
    'pg-cursor',
    '@scalekit-sdk/node',
    'prom-client',
    '@opentelemetry/sdk-node',
  ],
}

// next-intl reads each request's locale and messages from i18n/request.ts.
export default createNextIntlPlugin('./i18n/request.ts')(nextConfig)
