import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { isHttpsOrLoopback } from '../server/urls'
import { contrastRatio, darken, darkerSuggestion, MIN_CONTRAST, parseHexColor, textColorOn, toHex, WHITE } from './contrast'
import { sniffImageType, MAX_LOGO_BYTES } from './image'

// The company's brand on the pages people see (BRAND_* keys, docs/configuration.md). Every key is
// optional: without them the pages keep the neutral look. Checked at start-up; a logo file is read
// then, a logo URL is fetched then (lib/brand/logo.ts), and both are served from /brand/logo.

type LogoSource = { kind: 'file'; path: string; bytes: Buffer; contentType: string } | { kind: 'url'; url: string }

export interface Brand {
  name?: string
  logo?: LogoSource
  primary?: { color: string; hover: string; text: string }
  supportUrl?: string
  supportEmail?: string
  privacyUrl?: string
  termsUrl?: string
}

type Source = Record<string, string | undefined>
const value = (source: Source, key: string) => source[key]?.trim() || undefined

function readLogoFile(file: string, problems: string[]): LogoSource | undefined {
  const resolved = path.resolve(file)
  let bytes: Buffer
  try {
    if (fs.statSync(resolved).size > MAX_LOGO_BYTES) {
      problems.push(`BRAND_LOGO: ${file} is larger than ${MAX_LOGO_BYTES / 1024} KB; use a smaller image`)
      return undefined
    }
    bytes = fs.readFileSync(resolved)
  } catch {
    problems.push(`BRAND_LOGO: ${file} does not exist or cannot be read; give the path of a PNG, JPEG, WebP, GIF or SVG file`)
    return undefined
  }
  const contentType = sniffImageType(bytes)
  if (!contentType) {
    problems.push(`BRAND_LOGO: ${file} is not a PNG, JPEG, WebP, GIF or SVG image`)
    return undefined
  }
  return { kind: 'file', path: resolved, bytes, contentType }
}

function parseLogo(raw: string | undefined, problems: string[]): LogoSource | undefined {
  if (!raw) return undefined
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return readLogoFile(raw, problems)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    problems.push(`BRAND_LOGO: ${raw} is not a valid URL; give an https:// URL or a file path`)
    return undefined
  }
  if (!isHttpsOrLoopback(url)) {
    problems.push(`BRAND_LOGO must be an https:// URL (or a file path in the deployment); ${url.protocol}// is accepted only for localhost`)
    return undefined
  }
  return { kind: 'url', url: url.toString() }
}

function parsePrimary(raw: string | undefined, problems: string[]): Brand['primary'] {
  if (!raw) return undefined
  const rgb = parseHexColor(raw)
  if (!rgb) {
    problems.push(`BRAND_PRIMARY_COLOR must be a hex colour such as #1d4ed8 (got "${raw}")`)
    return undefined
  }
  const ratio = contrastRatio(rgb, WHITE)
  if (ratio < MIN_CONTRAST) {
    problems.push(
      `BRAND_PRIMARY_COLOR ${raw} has a contrast of ${ratio.toFixed(2)}:1 against white; WCAG AA needs ${MIN_CONTRAST}:1 ` +
        `for the button's text. Use a darker shade, such as ${darkerSuggestion(rgb)}`,
    )
    return undefined
  }
  return { color: toHex(rgb), hover: toHex(darken(rgb, 0.15)), text: textColorOn(rgb) }
}

function parseLink(source: Source, key: string, problems: string[]): string | undefined {
  const raw = value(source, key)
  if (!raw) return undefined
  try {
    const url = new URL(raw)
    if (isHttpsOrLoopback(url)) return url.toString()
  } catch {
    // Reported below.
  }
  problems.push(`${key} must be an https:// URL (got "${raw}")`)
  return undefined
}

export function parseBrand(source: Source): { brand: Brand; problems: string[] } {
  const problems: string[] = []
  const name = value(source, 'BRAND_NAME')
  if (name && name.length > 80) problems.push('BRAND_NAME must be at most 80 characters')
  const email = value(source, 'BRAND_SUPPORT_EMAIL')
  // The same check as every other email setting (ADMIN_EMAILS, MAIL_FROM, the servers' emails).
  if (email && !z.email().safeParse(email).success) problems.push(`BRAND_SUPPORT_EMAIL must be an email address (got "${email}")`)
  const brand: Brand = {
    name,
    logo: parseLogo(value(source, 'BRAND_LOGO'), problems),
    primary: parsePrimary(value(source, 'BRAND_PRIMARY_COLOR'), problems),
    supportUrl: parseLink(source, 'BRAND_SUPPORT_URL', problems),
    supportEmail: email,
    privacyUrl: parseLink(source, 'BRAND_PRIVACY_URL', problems),
    termsUrl: parseLink(source, 'BRAND_TERMS_URL', problems),
  }
  return { brand, problems }
}
