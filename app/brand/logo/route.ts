import { getEnv } from '@/lib/env'
import { brandLogo } from '@/lib/brand/logo'

// The brand's logo (BRAND_LOGO), from the bridge's own origin. The pages ask for /brand/logo?v={hash},
// so a new logo is a new address and this one can be cached for a year. proxy.ts gives it a CSP of
// its own (lib/server/headers.ts).
export async function GET(request: Request) {
  const logo = await brandLogo(getEnv().brand)
  if (!logo) return new Response('Not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } })
  const etag = `"${logo.version}"`
  const headers = {
    'content-type': logo.contentType,
    'cache-control': 'public, max-age=31536000, immutable',
    etag,
    'x-content-type-options': 'nosniff',
  }
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers })
  return new Response(new Uint8Array(logo.bytes), { status: 200, headers })
}
