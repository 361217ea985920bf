import 'server-only'
import crypto from 'node:crypto'
import { ConfigError } from '../env'
import type { Brand } from './config'
import { MAX_LOGO_BYTES, sniffImageType } from './image'

// The logo the pages show, always served by the bridge itself (/brand/logo), so the CSP keeps
// img-src 'self'. A BRAND_LOGO URL is fetched once at start-up and kept in memory.

export interface LogoImage {
  bytes: Buffer
  contentType: string
  /** A short hash of the bytes: the ETag, and the `v` of the page's logo address. */
  version: string
}

const LOGO_FETCH_TIMEOUT_MS = 10_000
// On globalThis: instrumentation.ts (which fetches it at start-up) and the pages are separate bundles.
const LOADED = Symbol.for('bridge.brand.logo')
const store = globalThis as typeof globalThis & { [LOADED]?: Promise<LogoImage | undefined> }

function imageOf(bytes: Buffer, contentType: string): LogoImage {
  return { bytes, contentType, version: crypto.createHash('sha256').update(bytes).digest('base64url').slice(0, 16) }
}

async function fetchLogo(url: string): Promise<LogoImage> {
  let response: Response
  try {
    response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(LOGO_FETCH_TIMEOUT_MS) })
  } catch (error) {
    throw new ConfigError([`BRAND_LOGO: ${url} could not be fetched (${error instanceof Error ? error.message : 'network error'})`])
  }
  if (!response.ok) throw new ConfigError([`BRAND_LOGO: ${url} answered ${response.status}; give the address of the image itself`])
  const bytes = Buffer.from(await response.arrayBuffer())
  if (bytes.length > MAX_LOGO_BYTES) throw new ConfigError([`BRAND_LOGO: ${url} is larger than ${MAX_LOGO_BYTES / 1024} KB`])
  const contentType = sniffImageType(bytes)
  if (!contentType) throw new ConfigError([`BRAND_LOGO: ${url} is not a PNG, JPEG, WebP, GIF or SVG image`])
  return imageOf(bytes, contentType)
}

/** The brand's logo, read or fetched once; undefined without BRAND_LOGO. Throws ConfigError when a URL fails. */
export function brandLogo(brand: Brand): Promise<LogoImage | undefined> {
  store[LOADED] ??= (async () => {
    const logo = brand.logo
    if (!logo) return undefined
    return logo.kind === 'file' ? imageOf(logo.bytes, logo.contentType) : fetchLogo(logo.url)
  })()
  return store[LOADED]
}
