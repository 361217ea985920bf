import { describe, expect, it } from 'vitest'
import { clientAddress } from './peer-address'

describe('clientAddress', () => {
  it('keeps the TCP peer unless proxies are trusted', () => {
    expect(clientAddress('::ffff:10.0.0.5', '203.0.113.9', 0)).toBe('10.0.0.5')
    expect(clientAddress('10.0.0.5', undefined, 1)).toBe('10.0.0.5')
  })

  it('takes the entry the farthest trusted proxy appended, never what the client wrote', () => {
    // The client forged "1.1.1.1"; the one trusted proxy appended the real address.
    expect(clientAddress('10.0.0.5', '1.1.1.1, 198.51.100.7', 1)).toBe('198.51.100.7')
    expect(clientAddress('10.0.0.5', ['1.1.1.1, 198.51.100.7', '10.0.0.9'], 2)).toBe('198.51.100.7')
    expect(clientAddress('10.0.0.5', '2001:db8::1', 1)).toBe('2001:db8::1')
  })

  it('falls back to the peer when the header is short or not an address', () => {
    expect(clientAddress('10.0.0.5', '198.51.100.7', 2)).toBe('10.0.0.5')
    expect(clientAddress('10.0.0.5', '<script>', 1)).toBe('10.0.0.5')
  })
})
