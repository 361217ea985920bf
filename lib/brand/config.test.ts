import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseBrand } from './config'
import { contrastRatio, darkerSuggestion, parseHexColor, WHITE } from './contrast'
import { sniffImageType } from './image'

describe('BRAND_PRIMARY_COLOR', () => {
  it('computes WCAG contrast: black on white is 21:1, white on white 1:1', () => {
    expect(contrastRatio([0, 0, 0], WHITE)).toBeCloseTo(21, 5)
    expect(contrastRatio(WHITE, WHITE)).toBe(1)
    expect(contrastRatio(parseHexColor('#767676')!, WHITE)).toBeCloseTo(4.54, 2)
  })

  it('accepts a colour with 4.5:1 against white, with white button text and a darker hover', () => {
    const { brand, problems } = parseBrand({ BRAND_PRIMARY_COLOR: '#1D4ED8' })
    expect(problems).toEqual([])
    expect(brand.primary).toEqual({ color: '#1d4ed8', hover: '#1942b8', text: '#ffffff' })
  })

  it('refuses a light colour and suggests a darker shade that passes', () => {
    const { brand, problems } = parseBrand({ BRAND_PRIMARY_COLOR: '#fc0' })
    expect(brand.primary).toBeUndefined()
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^BRAND_PRIMARY_COLOR #fc0 has a contrast of 1\.\d\d:1 against white; WCAG AA needs 4\.5:1/)
    const suggested = /such as (#[0-9a-f]{6})$/.exec(problems[0]!)![1]!
    expect(contrastRatio(parseHexColor(suggested)!, WHITE)).toBeGreaterThanOrEqual(4.5)
    expect(suggested).toBe(darkerSuggestion([255, 204, 0]))
  })

  it('refuses what is not a hex colour', () => {
    expect(parseBrand({ BRAND_PRIMARY_COLOR: 'blue' }).problems).toEqual([
      'BRAND_PRIMARY_COLOR must be a hex colour such as #1d4ed8 (got "blue")',
    ])
  })
})

describe('BRAND_LOGO', () => {
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

  it('reads a file and knows its type from its bytes', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'logo-')), 'logo.bin')
    fs.writeFileSync(file, png)
    const { brand, problems } = parseBrand({ BRAND_LOGO: file })
    expect(problems).toEqual([])
    expect(brand.logo).toMatchObject({ kind: 'file', contentType: 'image/png', path: file })
  })

  it('names a missing file, a file that is no image, and a URL over plain http', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'logo-')), 'logo.png')
    fs.writeFileSync(file, 'not an image')
    expect(parseBrand({ BRAND_LOGO: '/nonexistent/logo.png' }).problems).toEqual([
      'BRAND_LOGO: /nonexistent/logo.png does not exist or cannot be read; give the path of a PNG, JPEG, WebP, GIF or SVG file',
    ])
    expect(parseBrand({ BRAND_LOGO: file }).problems).toEqual([`BRAND_LOGO: ${file} is not a PNG, JPEG, WebP, GIF or SVG image`])
    expect(parseBrand({ BRAND_LOGO: 'http://cdn.example.com/logo.png' }).problems).toEqual([
      'BRAND_LOGO must be an https:// URL (or a file path in the deployment); http:// is accepted only for localhost',
    ])
    expect(parseBrand({ BRAND_LOGO: 'https://cdn.example.com/logo.png' }).brand.logo).toEqual({
      kind: 'url',
      url: 'https://cdn.example.com/logo.png',
    })
  })

  it('sniffs PNG, JPEG, GIF, WebP and SVG, and nothing else', () => {
    expect(sniffImageType(png)).toBe('image/png')
    expect(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg')
    expect(sniffImageType(Buffer.from('GIF89a'))).toBe('image/gif')
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp')
    expect(sniffImageType(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('image/svg+xml')
    expect(sniffImageType(Buffer.from('<html><svg></svg></html>'))).toBeUndefined()
  })
})

describe('the brand links', () => {
  it('takes https links and an email, and names the bad ones', () => {
    const { brand, problems } = parseBrand({
      BRAND_NAME: ' Acme ',
      BRAND_SUPPORT_EMAIL: 'help@acme.test',
      BRAND_PRIVACY_URL: 'https://acme.test/privacy',
      BRAND_TERMS_URL: 'ftp://acme.test/terms',
    })
    expect(brand).toMatchObject({ name: 'Acme', supportEmail: 'help@acme.test', privacyUrl: 'https://acme.test/privacy' })
    expect(problems).toEqual(['BRAND_TERMS_URL must be an https:// URL (got "ftp://acme.test/terms")'])
  })

  it('is empty without any BRAND_* key', () => {
    expect(parseBrand({})).toEqual({ brand: {}, problems: [] })
  })
})
