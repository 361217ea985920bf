import { describe, expect, it } from 'vitest'
import { readCredentialFields } from './credentials-input'

function form(fields: Record<string, string>): FormData {
  const data = new FormData()
  for (const [name, value] of Object.entries(fields)) data.set(name, value)
  return data
}

describe('readCredentialFields', () => {
  it('trims the email and keeps the password exactly as typed', () => {
    expect(readCredentialFields(form({ email: '  ann@example.com ', password: ' pass word ' }))).toEqual({
      ok: true,
      email: 'ann@example.com',
      password: ' pass word ',
    })
  })

  it('says which field is missing, keeping the email for the form', () => {
    expect(readCredentialFields(form({ email: ' ann@example.com', password: '' }))).toEqual({
      ok: false,
      reason: 'missing',
      email: 'ann@example.com',
    })
    expect(readCredentialFields(form({ email: '   ', password: 'x' }))).toEqual({ ok: false, reason: 'missing', email: '' })
    expect(readCredentialFields(form({}))).toEqual({ ok: false, reason: 'missing', email: '' })
  })

  it('refuses values too long to be anyone’s, keeping at most 320 characters of the email', () => {
    const long = readCredentialFields(form({ email: `${'a'.repeat(400)}@example.com`, password: 'x' }))
    expect(long).toEqual({ ok: false, reason: 'invalid', email: 'a'.repeat(320) })
    expect(readCredentialFields(form({ email: 'ann@example.com', password: 'p'.repeat(513) }))).toEqual({
      ok: false,
      reason: 'invalid',
      email: 'ann@example.com',
    })
  })
})
