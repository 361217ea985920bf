import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSourcesConfig } from './config'

function sources(value: unknown, extra: Record<string, string> = {}) {
  return parseSourcesConfig({ IDENTITY_SOURCES: JSON.stringify(value), ...extra })
}

const acme = {
  id: 'acme',
  type: 'oidc',
  name: 'Acme IdP',
  issuer: 'https://idp.acme.test',
  clientId: 'bridge',
  clientSecret: 'env:ACME_SECRET',
}

describe('parseSourcesConfig', () => {
  it('defaults to the local directory alone, with raw subjects', () => {
    const { config, problems } = parseSourcesConfig({})
    expect(problems).toEqual([])
    expect(config?.sources.map((s) => [s.id, s.type, s.name])).toEqual([['local', 'local', 'Email and password']])
    expect(config?.namespaceSubjects).toBe(false)
  })

  it('reads several sources, resolves env: secrets and namespaces subjects', () => {
    const { config, problems } = sources(
      [
        { id: 'local', type: 'local' },
        acme,
        {
          id: 'app',
          type: 'session',
          name: 'Company app',
          whoamiUrl: 'https://app.acme.test/api/me',
          cookies: ['sid'],
          loginUrl: 'https://app.acme.test/login',
        },
      ],
      { ACME_SECRET: 'from-the-environment' },
    )
    expect(problems).toEqual([])
    const idp = config?.sources[1]
    expect(idp).toMatchObject({ type: 'oidc', clientSecret: 'from-the-environment', scopes: ['openid', 'email', 'profile'] })
    expect(idp?.claims).toMatchObject({ sub: 'sub', email: 'email', emailVerified: 'email_verified' })
    expect(config?.sources[2]).toMatchObject({ returnToParam: 'return_to', timeoutMs: 3000 })
    expect(config?.namespaceSubjects).toBe(true)
  })

  it('reads IDENTITY_SOURCES_FILE', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sources-')), 'sources.json')
    fs.writeFileSync(file, JSON.stringify([{ id: 'corp', type: 'http', url: 'https://corp.test/verify', secret: 's'.repeat(16) }]))
    const { config, problems } = parseSourcesConfig({ IDENTITY_SOURCES_FILE: file })
    expect(problems).toEqual([])
    expect(config?.sources[0]).toMatchObject({ id: 'corp', name: 'Company account', secretHeader: 'x-bridge-secret', timeoutMs: 5000 })
    expect(parseSourcesConfig({ IDENTITY_SOURCES_FILE: `${file}.missing` }).problems).toEqual([
      `IDENTITY_SOURCES_FILE: cannot read ${file}.missing (ENOENT)`,
    ])
  })

  it('names each bad setting with its source', () => {
    const { problems } = sources([
      { id: 'Bad Id', type: 'local' },
      { ...acme, issuer: 'http://idp.acme.test', clientSecret: 'env:NOT_SET', scopes: ['email'] },
      { id: 'corp', type: 'http', url: 'https://corp.test/verify', secret: 'short', timeoutMs: 10 },
      { id: 'x', type: 'ldap' },
      { id: 'typo', type: 'local', nmae: 'Oops' },
    ])
    expect(problems).toEqual([
      'IDENTITY_SOURCES[0] (Bad Id).id: must be 1 to 32 lowercase letters, digits or dashes (it appears in URLs and in subjects)',
      'IDENTITY_SOURCES[1] (acme).issuer: must use https (plain http is accepted only for localhost, 127.0.0.0/8 and [::1])',
      'IDENTITY_SOURCES[1] (acme).clientSecret: refers to NOT_SET, which is not set',
      'IDENTITY_SOURCES[1] (acme).scopes: must include "openid"',
      'IDENTITY_SOURCES[2] (corp).secret: must be at least 16 characters',
      'IDENTITY_SOURCES[2] (corp).timeoutMs: Too small: expected number to be >=100',
      'IDENTITY_SOURCES[3] (x).type: type must be one of "local", "oidc", "http", "session"',
      'IDENTITY_SOURCES[4] (typo): Unrecognized key: "nmae"',
    ])
  })

  it('refuses a bad claims mapping at start-up', () => {
    const { problems } = sources([
      { id: 'local', type: 'local' },
      { ...acme, clientSecret: 'x', claims: { email: '', emial: 'mail', customAttributes: { 'bad name': 'x' } } },
    ])
    expect(problems).toEqual([
      "IDENTITY_SOURCES[1] (acme).claims.email: must name a field of the source's answer",
      'IDENTITY_SOURCES[1] (acme).claims.customAttributes.bad name: custom attribute names are letters, digits, _ . - (at most 64)',
      'IDENTITY_SOURCES[1] (acme).claims: Unrecognized key: "emial"',
    ])
  })

  it('refuses duplicate ids, two email-and-password sources and raw subjects with several sources', () => {
    const { problems } = sources(
      [
        { id: 'local', type: 'local' },
        { id: 'local', type: 'http', url: 'https://corp.test/verify', secret: 's'.repeat(16) },
      ],
      { SUBJECT_FORMAT: 'raw' },
    )
    expect(problems).toEqual([
      'IDENTITY_SOURCES: the id "local" is used twice; ids must be unique',
      'IDENTITY_SOURCES: "local" and "local" both take an email and password; the sign-in page has one such form, so keep one local or http source',
      'SUBJECT_FORMAT=raw keeps subjects as the sources give them, which is safe only with one source: with several, two people could share a sub. Use auto or namespaced',
    ])
  })

  it('namespaces a single source when asked, and keeps it raw by default', () => {
    expect(sources([acme], { ACME_SECRET: 'x', SUBJECT_FORMAT: 'namespaced' }).config?.namespaceSubjects).toBe(true)
    expect(sources([acme], { ACME_SECRET: 'x' }).config?.namespaceSubjects).toBe(false)
    expect(sources([acme], { ACME_SECRET: 'x', SUBJECT_FORMAT: 'raw' }).config?.namespaceSubjects).toBe(false)
  })

  it('reports broken JSON without quoting it (it may hold a secret)', () => {
    const { problems } = parseSourcesConfig({ IDENTITY_SOURCES: '[{"id":"corp","secret":"hunter2-secret-value",]' })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^IDENTITY_SOURCES is not valid JSON/)
    expect(problems[0]).not.toContain('hunter2')
    expect(sources([]).problems).toEqual(['IDENTITY_SOURCES: must list at least one source'])
    expect(sources({ id: 'x' }).problems).toEqual(['IDENTITY_SOURCES: must be a JSON array of sources'])
  })
})
