import { describe, expect, it } from 'vitest'
import {
  checkState,
  hashState,
  MAX_PENDING_PER_BROWSER,
  parseLoginRequestParams,
  sealPending,
  unsealPending,
  withoutEntry,
  withPendingEntry,
} from './request'

const SECRET = 'a-session-secret-of-at-least-32-characters'
const TTL = 600
const params = { loginRequestId: 'lri_abc123', state: 'st.~ate/with?odd&chars=' }

describe('parseLoginRequestParams', () => {
  it('accepts an identifier and any printable state', () => {
    expect(parseLoginRequestParams('lri_AZaz09-_', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')).toEqual({
      ok: true,
      params: { loginRequestId: 'lri_AZaz09-_', state: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~' },
    })
    expect(parseLoginRequestParams('x'.repeat(128), 's'.repeat(2048)).ok).toBe(true)
  })

  it.each([
    [undefined, 's', 'missing_parameters'],
    ['lri', '', 'missing_parameters'],
    ['lri/../x', 's', 'invalid_login_request_id'],
    ['lri%2Fx', 's', 'invalid_login_request_id'],
    ['lri@evil.com', 's', 'invalid_login_request_id'],
    ['lri?x', 's', 'invalid_login_request_id'],
    ['lri#x', 's', 'invalid_login_request_id'],
    ['lrié', 's', 'invalid_login_request_id'],
    ['x'.repeat(129), 's', 'invalid_login_request_id'],
    ['lri', 'has space', 'invalid_state'],
    ['lri', 'line\nbreak', 'invalid_state'],
    ['lri', 'ünïcode', 'invalid_state'],
    ['lri', 's'.repeat(2049), 'invalid_state'],
  ])('rejects %j / %j as %s', (id, state, problem) => {
    expect(parseLoginRequestParams(id, state)).toEqual({ ok: false, problem })
  })
})

describe('the sealed pending map', () => {
  it('round-trips through the seal', async () => {
    const pending = withPendingEntry({}, params, 1000, TTL, 'default')
    const seal = await sealPending(pending, SECRET, TTL)
    expect(seal).not.toContain(params.state)
    expect(await unsealPending(seal, SECRET, TTL)).toEqual(pending)
  })

  it('treats a tampered, foreign or garbage seal as absent', async () => {
    const seal = await sealPending(withPendingEntry({}, params, Date.now(), TTL, 'default'), SECRET, TTL)
    const tampered = seal.slice(0, 40) + (seal[40] === 'A' ? 'B' : 'A') + seal.slice(41)
    expect(await unsealPending(tampered, SECRET, TTL)).toEqual({})
    expect(await unsealPending(seal, 'another-secret-of-at-least-32-characters!', TTL)).toEqual({})
    expect(await unsealPending('not a seal', SECRET, TTL)).toEqual({})
    expect(await unsealPending(undefined, SECRET, TTL)).toEqual({})
  })

  it('keeps two tabs apart and caps the number of entries', () => {
    let pending = withPendingEntry({}, params, 1000, TTL, 'default')
    pending = withPendingEntry(pending, { loginRequestId: 'lri_two', state: 'two' }, 2000, TTL, 'default')
    expect(Object.keys(pending).sort()).toEqual(['lri_abc123', 'lri_two'])
    expect(pending.lri_abc123?.h).toBe(hashState(params.state))
    for (let i = 0; i < 20; i++) pending = withPendingEntry(pending, { loginRequestId: `lri_${i}`, state: 's' }, 3000 + i, TTL, 'default')
    expect(Object.keys(pending)).toHaveLength(MAX_PENDING_PER_BROWSER)
    expect(pending.lri_19).toBeDefined()
    expect(withoutEntry(pending, 'lri_19').lri_19).toBeUndefined()
  })

  it('does not extend the TTL when the same page is reloaded', () => {
    const first = withPendingEntry({}, params, 1000, TTL, 'default')
    expect(withPendingEntry(first, params, 5000, TTL, 'default')[params.loginRequestId]?.c).toBe(1000)
  })

  it('fits eight maximum-size states in a cookie', async () => {
    let pending = {}
    for (let i = 0; i < MAX_PENDING_PER_BROWSER; i++) {
      pending = withPendingEntry(
        pending,
        { loginRequestId: `lri_${'x'.repeat(120)}${i}`, state: 's'.repeat(2048) },
        1000 + i,
        TTL,
        'default',
      )
    }
    expect((await sealPending(pending, SECRET, TTL)).length).toBeLessThan(4000)
  })
})

const DEFAULT = { key: 'default', legacyKey: 'default' }

describe('checkState', () => {
  const pending = withPendingEntry({}, params, 10_000, TTL, 'default')

  it('accepts the exact state before the TTL', () => {
    expect(checkState(pending, params, 10_000 + TTL * 1000 - 1, TTL, DEFAULT).ok).toBe(true)
  })

  it('refuses a different state, even one character off', () => {
    expect(checkState(pending, { ...params, state: `${params.state}x` }, 10_001, TTL, DEFAULT)).toEqual({
      ok: false,
      problem: 'state_mismatch',
    })
    expect(checkState(pending, { ...params, state: params.state.toUpperCase() }, 10_001, TTL, DEFAULT)).toEqual({
      ok: false,
      problem: 'state_mismatch',
    })
  })

  it('refuses a login request this browser never received', () => {
    expect(checkState(pending, { ...params, loginRequestId: 'lri_other' }, 10_001, TTL, DEFAULT)).toEqual({
      ok: false,
      problem: 'no_session',
    })
    expect(checkState({}, params, 10_001, TTL, DEFAULT)).toEqual({ ok: false, problem: 'no_session' })
  })

  it('refuses after the TTL', () => {
    expect(checkState(pending, params, 10_000 + TTL * 1000, TTL, DEFAULT)).toEqual({ ok: false, problem: 'expired' })
  })

  it('refuses a request bound to one server when another server acts on it', () => {
    const finance = withPendingEntry({}, params, 10_000, TTL, 'finance')
    expect(checkState(finance, params, 10_001, TTL, { key: 'finance', legacyKey: 'default' }).ok).toBe(true)
    expect(checkState(finance, params, 10_001, TTL, { key: 'crm', legacyKey: 'default' })).toEqual({ ok: false, problem: 'wrong_server' })
    // Opening the same request through another server's endpoint does not move the binding.
    const reopened = withPendingEntry(finance, params, 20_000, TTL, 'crm')
    expect(reopened[params.loginRequestId]).toEqual(finance[params.loginRequestId])
  })

  it('reads a seal written before servers had keys as the single-connection server', () => {
    const old = { [params.loginRequestId]: { h: hashState(params.state), c: 10_000 } }
    expect(checkState(old, params, 10_001, TTL, DEFAULT).ok).toBe(true)
    expect(checkState(old, params, 10_001, TTL, { key: 'finance', legacyKey: 'default' })).toEqual({ ok: false, problem: 'wrong_server' })
  })
})
