import { describe, expect, it } from 'vitest'
import { Code, ConnectError } from '@connectrpc/connect'
import { backoffDelay } from './client'
import { translateScalekitError } from './errors'
import { partnerCallbackUrl } from './user-details'

describe('partnerCallbackUrl', () => {
  it('is exactly the documented URL with the state encoded', () => {
    expect(partnerCallbackUrl('https://acme.scalekit.dev', 'conn_1', 'a b&c=d#e?f/g%2F@h.~')).toBe(
      'https://acme.scalekit.dev/sso/v1/connections/conn_1/partner:callback?state=a%20b%26c%3Dd%23e%3Ff%2Fg%252F%40h.~',
    )
  })

  it('never changes host whatever the state holds', () => {
    for (const state of ['@evil.com', '//evil.com', '..%2F..%2F', 'x'.repeat(2048), '#frag']) {
      const url = new URL(partnerCallbackUrl('https://acme.scalekit.dev', 'conn_1', state))
      expect(url.host).toBe('acme.scalekit.dev')
      expect(url.pathname).toBe('/sso/v1/connections/conn_1/partner:callback')
      expect([...url.searchParams.keys()]).toEqual(['state'])
      expect(url.searchParams.get('state')).toBe(state)
      expect(url.hash).toBe('')
    }
  })
})

describe('translateScalekitError', () => {
  it.each([
    [Code.NotFound, 'scalekit_invalid_id'],
    [Code.InvalidArgument, 'scalekit_rejected_user'],
    [Code.FailedPrecondition, 'scalekit_closed'],
    [Code.AlreadyExists, 'scalekit_closed'],
    [Code.Aborted, 'scalekit_closed'],
    [Code.Unauthenticated, 'scalekit_credentials'],
    [Code.PermissionDenied, 'scalekit_credentials'],
    [Code.Unavailable, 'scalekit_unavailable'],
    [Code.Internal, 'scalekit_unavailable'],
    [Code.DeadlineExceeded, 'scalekit_timeout'],
  ])('maps gRPC code %s to %s', (code, problem) => {
    expect(translateScalekitError(new ConnectError('invalid ID', code)).problem).toBe(problem)
  })

  it('maps a connection dropped under the call (ABORTED from ECONNRESET) to scalekit_unavailable, not closed', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    const dropped = new ConnectError('read ECONNRESET', Code.Aborted, undefined, undefined, reset)
    expect(translateScalekitError(dropped)).toEqual({ problem: 'scalekit_unavailable', detail: 'Aborted: read ECONNRESET' })
  })

  it('maps token endpoint failures', () => {
    expect(translateScalekitError({ isAxiosError: true, response: { status: 401 } }).problem).toBe('scalekit_credentials')
    expect(translateScalekitError({ isAxiosError: true, code: 'ECONNREFUSED' }).problem).toBe('scalekit_unavailable')
    expect(translateScalekitError({ isAxiosError: true, code: 'ECONNABORTED' }).problem).toBe('scalekit_timeout')
  })
})

describe('backoffDelay', () => {
  it('is jittered within half to all of a capped exponential ceiling', () => {
    expect(backoffDelay(1, () => 0)).toBe(75)
    expect(backoffDelay(1, () => 1)).toBe(150)
    expect(backoffDelay(2, () => 1)).toBe(300)
    expect(backoffDelay(10, () => 1)).toBe(1000)
    expect(backoffDelay(10, () => 0)).toBe(500)
  })
})
