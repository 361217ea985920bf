import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // proxy.ts performs the trailing-slash redirect itself, so the redirect carries the security
  // headers (COOP unsafe-none on /login/ too); Next's built-in one sends none.
  skipTrailingSlashRedirect: true,
  // forbidden(): a signed-in non-admin gets the 403 page (app/forbidden.tsx) with a 403 status.
  experimental: { authInterrupts: true },
  serverExternalPackages: ['better-sqlite3', '@node-rs/argon2', 'pg', '@scalekit-sdk/node'],
}

export default nextConfig
